"""Reporting pages (names ``report-...`` in ``incidents``)."""

from __future__ import annotations

from django.urls import path

from incidents import report_views

urlpatterns = [
    path("report/", report_views.report_new, name="report-new"),
    path("report/mine/", report_views.report_mine, name="report-mine"),
    path("report/<int:pk>/", report_views.report_done, name="report-done"),
    path("photos/<int:pk>/", report_views.report_photo, name="report-photo"),
]
