"""Monthly report API under ``/api/reports/`` (namespace ``reports_api``)."""

from __future__ import annotations

from django.urls import path

from reports import api

app_name = "reports_api"

urlpatterns = [
    path("", api.ReportListApi.as_view(), name="report-list"),
    path("<int:pk>/", api.ReportDetailApi.as_view(), name="report-detail"),
    path("<int:pk>/refresh/", api.ReportRefreshApi.as_view(), name="report-refresh"),
    path("<int:pk>/countermeasures/", api.ReportCountermeasuresApi.as_view(), name="report-countermeasures"),
    path("<int:pk>/issue/", api.ReportIssueApi.as_view(), name="report-issue"),
    path("<int:pk>/pdf/", api.ReportPdfApi.as_view(), name="report-pdf"),
    path("<int:pk>/xlsx/", api.ReportXlsxApi.as_view(), name="report-xlsx"),
]
