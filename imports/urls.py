"""Imports pages, included by ``campus.urls`` under ``imports/`` in the ``campus`` namespace."""

from __future__ import annotations

from django.urls import path

from imports import views

urlpatterns = [
    path("", views.import_list, name="import_list"),
    path("<int:pk>/", views.import_detail, name="import_detail"),
    path("<int:pk>/apply/", views.import_apply, name="import_apply"),
]
