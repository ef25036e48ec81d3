from __future__ import annotations

from django.urls import path

from notices import api

app_name = "notices_api"

urlpatterns = [
    path("", api.NoticeListApi.as_view(), name="notice-list"),
    path("<int:pk>/read/", api.NoticeReadApi.as_view(), name="notice-read"),
    path("read-all/", api.NoticeReadAllApi.as_view(), name="notice-read-all"),
]
