"""Incident pages (namespace ``incidents``), names prefixed by part: reporting (``report-...``), handling
(``handle-...``) and the monthly analysis (``analysis-...``)."""

from __future__ import annotations

from django.urls import path

from incidents.analysis import views as analysis_views
from incidents.handle import views as handle_views
from incidents.report import views as report_views

app_name = "incidents"

report_patterns = [
    path("report/", report_views.report_new, name="report-new"),
    path("report/mine/", report_views.report_mine, name="report-mine"),
    path("report/<int:pk>/", report_views.report_done, name="report-done"),
    path("photos/<int:pk>/", report_views.report_photo, name="report-photo"),
]

handle_patterns = [
    path("handle/", handle_views.handle_inbox, name="handle-inbox"),
    path("handle/<int:pk>/", handle_views.handle_detail, name="handle-detail"),
    path("handle/<int:pk>/transition/", handle_views.handle_transition, name="handle-transition"),
    path("handle/<int:pk>/comment/", handle_views.handle_comment, name="handle-comment"),
    path("handle/<int:pk>/follow-up/", handle_views.handle_follow_up, name="handle-follow-up"),
    path("handle/follow-ups/", handle_views.handle_follow_ups, name="handle-follow-ups"),
    path("handle/rectifications/", handle_views.handle_rectifications, name="handle-rectifications"),
    path(
        "handle/rectifications/<int:pk>/clear/",
        handle_views.handle_rectification_clear,
        name="handle-rectification-clear",
    ),
]

analysis_patterns = [
    path("analysis/", analysis_views.analysis_month, name="analysis-month"),
]

urlpatterns = [*report_patterns, *handle_patterns, *analysis_patterns]
