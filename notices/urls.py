"""Notice pages (namespace ``notices``)."""

from __future__ import annotations

from django.urls import path

from notices import views

app_name = "notices"

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("<int:pk>/read/", views.notice_read, name="read"),
    path("<int:pk>/open/", views.notice_open, name="open"),
    path("read-all/", views.notice_read_all, name="read-all"),
    path("preferences/", views.notice_preferences, name="preferences"),
]
