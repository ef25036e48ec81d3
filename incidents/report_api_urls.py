"""Reporting API routes (names ``report-...`` in ``incidents_api``)."""

from __future__ import annotations

from django.urls import path

from incidents.report_api import ReportPhotoApi, ReportViewSet

urlpatterns = [
    path("reports/", ReportViewSet.as_view({"get": "list", "post": "create"}), name="report-list"),
    path("reports/<int:pk>/", ReportViewSet.as_view({"get": "retrieve"}), name="report-detail"),
    path("photos/<int:pk>/", ReportPhotoApi.as_view(), name="report-photo"),
]
