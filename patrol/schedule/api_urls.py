"""API of the 护学岗 set-up (namespace ``patrol_api``, names ``schedule-...``)."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from patrol.schedule import api

router = SimpleRouter()
router.register("terms", api.TermViewSet, basename="schedule-term")
router.register("calendar-overrides", api.OverrideViewSet, basename="schedule-override")
router.register("closures", api.ClosureViewSet, basename="schedule-closure")
router.register("bell-schedules", api.BellScheduleViewSet, basename="schedule-bells")
router.register("window-rules", api.WindowRuleViewSet, basename="schedule-window-rule")
router.register("posts", api.PostViewSet, basename="schedule-post")
router.register("staff", api.StaffViewSet, basename="schedule-staff")
router.register("leave", api.LeaveViewSet, basename="schedule-leave")

urlpatterns = router.urls
