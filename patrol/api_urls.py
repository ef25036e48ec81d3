"""API of 护学岗 under ``/api/patrol/`` (namespace ``patrol_api``), names prefixed by part: set-up
(``schedule-...``), roster generation (``generate-...``), the roster (``roster-...``), the duty day
(``duty-...``)."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from patrol.duty import api as duty_api
from patrol.roster import api as roster_api
from patrol.roster import generate_api
from patrol.schedule import api as schedule_api

app_name = "patrol_api"

schedule_router = SimpleRouter()
schedule_router.register("terms", schedule_api.TermViewSet, basename="schedule-term")
schedule_router.register("calendar-overrides", schedule_api.OverrideViewSet, basename="schedule-override")
schedule_router.register("closures", schedule_api.ClosureViewSet, basename="schedule-closure")
schedule_router.register("bell-schedules", schedule_api.BellScheduleViewSet, basename="schedule-bells")
schedule_router.register("window-rules", schedule_api.WindowRuleViewSet, basename="schedule-window-rule")
schedule_router.register("posts", schedule_api.PostViewSet, basename="schedule-post")
schedule_router.register("staff", schedule_api.StaffViewSet, basename="schedule-staff")
schedule_router.register("leave", schedule_api.LeaveViewSet, basename="schedule-leave")

roster_patterns = [
    path("terms/<int:pk>/generate/", generate_api.GenerateTermApi.as_view(), name="generate-term"),
    path(
        "roster/terms/<int:term_id>/assignments/",
        roster_api.AssignmentListApi.as_view(),
        name="roster-assignment-list",
    ),
    path("roster/terms/<int:term_id>/publish/", roster_api.PublishApi.as_view(), name="roster-publish"),
    path("roster/terms/<int:term_id>/breaks/", roster_api.DutyBreakListApi.as_view(), name="roster-break-list"),
    path(
        "roster/terms/<int:term_id>/breaks/replan/",
        roster_api.DutyBreaksReplanApi.as_view(),
        name="roster-breaks-replan",
    ),
    path(
        "roster/assignments/<int:pk>/remove/",
        roster_api.AssignmentRemoveApi.as_view(),
        name="roster-assignment-remove",
    ),
    path(
        "roster/assignments/<int:pk>/replace/",
        roster_api.AssignmentReplaceApi.as_view(),
        name="roster-assignment-replace",
    ),
    path("roster/swaps/", roster_api.SwapListApi.as_view(), name="roster-swap-list"),
    path("roster/swaps/<int:pk>/accept/", roster_api.SwapAcceptApi.as_view(), name="roster-swap-accept"),
    path("roster/swaps/<int:pk>/reject/", roster_api.SwapRejectApi.as_view(), name="roster-swap-reject"),
    path("roster/swaps/<int:pk>/cancel/", roster_api.SwapCancelApi.as_view(), name="roster-swap-cancel"),
]

duty_patterns = [
    path("board/", duty_api.BoardApi.as_view(), name="duty-board"),
    path("stats/", duty_api.StatsApi.as_view(), name="duty-stats"),
    path("duty/assignments/<int:pk>/check-in/", duty_api.CheckInApi.as_view(), name="duty-check-in"),
    path("duty/assignments/<int:pk>/check-out/", duty_api.CheckOutApi.as_view(), name="duty-check-out"),
]

urlpatterns = [*schedule_router.urls, *roster_patterns, *duty_patterns]
