"""Incident API under ``/api/incidents/`` (namespace ``incidents_api``), names prefixed by part: reporting
(``report-...``), handling (``handle-...``) and the monthly analysis (``analysis-...``)."""

from __future__ import annotations

from django.urls import path

from incidents.analysis import api as analysis_api
from incidents.handle import api as handle_api
from incidents.report import api as report_api

app_name = "incidents_api"

report_patterns = [
    path("reports/", report_api.ReportViewSet.as_view({"get": "list", "post": "create"}), name="report-list"),
    path("reports/<int:pk>/", report_api.ReportViewSet.as_view({"get": "retrieve"}), name="report-detail"),
    path("photos/<int:pk>/", report_api.ReportPhotoApi.as_view(), name="report-photo"),
]

handle_patterns = [
    path("handle/", handle_api.HandleListApi.as_view(), name="handle-list"),
    path("handle/<int:pk>/", handle_api.HandleDetailApi.as_view(), name="handle-detail"),
    path("handle/<int:pk>/transition/", handle_api.HandleTransitionApi.as_view(), name="handle-transition"),
    path("handle/<int:pk>/comments/", handle_api.HandleCommentApi.as_view(), name="handle-comment"),
    path("handle/<int:pk>/follow-up/", handle_api.HandleFollowUpApi.as_view(), name="handle-follow-up"),
    path("handle/follow-ups/", handle_api.HandleFollowUpListApi.as_view(), name="handle-follow-up-list"),
    path(
        "handle/rectifications/",
        handle_api.HandleRectificationListApi.as_view(),
        name="handle-rectification-list",
    ),
    path(
        "handle/rectifications/<int:pk>/clear/",
        handle_api.HandleRectificationClearApi.as_view(),
        name="handle-rectification-clear",
    ),
]

analysis_patterns = [
    path("analysis/", analysis_api.MonthAnalysisApi.as_view(), name="analysis-month"),
    path("analysis/hotspots/", analysis_api.MonthHotspotsApi.as_view(), name="analysis-hotspots"),
]

urlpatterns = [*report_patterns, *handle_patterns, *analysis_patterns]
