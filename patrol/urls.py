"""Pages of 护学岗 (namespace ``patrol``), names prefixed by part: set-up (``schedule-...``), roster
generation (``generate-...``), the roster (``roster-...``) and the duty day (``duty-...``)."""

from __future__ import annotations

from django.urls import path

from patrol.duty import breaks_views
from patrol.duty import views as duty_views
from patrol.roster import generate_views
from patrol.roster import views as roster_views
from patrol.schedule import views as schedule_views

app_name = "patrol"

schedule_patterns = [
    path("schedule/", schedule_views.home, name="schedule-home"),
    path("schedule/terms/new/", schedule_views.term_create, name="schedule-term-create"),
    path("schedule/terms/<int:pk>/", schedule_views.term_detail, name="schedule-term"),
    path("schedule/terms/<int:pk>/edit/", schedule_views.term_update, name="schedule-term-update"),
    path("schedule/terms/<int:pk>/build-shifts/", schedule_views.term_build, name="schedule-term-build"),
    path("schedule/overrides/new/", schedule_views.override_create, name="schedule-override-create"),
    path("schedule/overrides/<int:pk>/delete/", schedule_views.override_delete, name="schedule-override-delete"),
    path("schedule/closures/new/", schedule_views.closure_create, name="schedule-closure-create"),
    path("schedule/windows/", schedule_views.window_rule_save, name="schedule-window-rule-save"),
    path("schedule/windows/<int:pk>/delete/", schedule_views.window_rule_delete, name="schedule-window-rule-delete"),
    path("schedule/schools/", schedule_views.school_list, name="schedule-schools"),
    path("schedule/schools/<int:pk>/", schedule_views.school_detail, name="schedule-school"),
    path("schedule/schools/<int:pk>/bells/", schedule_views.bells_save, name="schedule-bells-save"),
    path("schedule/bells/<int:pk>/delete/", schedule_views.bells_delete, name="schedule-bells-delete"),
    path("schedule/schools/<int:pk>/posts/", schedule_views.post_save, name="schedule-post-save"),
    path("schedule/staff/", schedule_views.staff_list, name="schedule-staff"),
    path("schedule/staff/new/", schedule_views.staff_create, name="schedule-staff-create"),
    path("schedule/staff/<int:pk>/", schedule_views.staff_detail, name="schedule-staff-detail"),
    path("schedule/staff/<int:pk>/leave/", schedule_views.leave_create, name="schedule-leave-create"),
    path("schedule/leave/<int:pk>/delete/", schedule_views.leave_delete, name="schedule-leave-delete"),
]

roster_patterns = [
    path("terms/<int:pk>/generate/", generate_views.generate_term, name="generate-term"),
    path("roster/", roster_views.roster_home, name="roster-home"),
    path("roster/terms/<int:term_id>/", roster_views.roster_term, name="roster-term"),
    path("roster/terms/<int:term_id>/breaks/", breaks_views.roster_breaks, name="roster-breaks"),
    path("roster/terms/<int:term_id>/week/", roster_views.roster_week, name="roster-week"),
    path("roster/terms/<int:term_id>/sheet/", roster_views.roster_sheet, name="roster-sheet"),
    path("roster/terms/<int:term_id>/export/", roster_views.roster_export, name="roster-export"),
    path("roster/terms/<int:term_id>/publish/", roster_views.roster_publish, name="roster-publish"),
    path("roster/shifts/<int:shift_id>/", roster_views.roster_shift, name="roster-shift"),
    path("roster/shifts/<int:shift_id>/add/", roster_views.roster_assignment_add, name="roster-assignment-add"),
    path("roster/assignments/<int:pk>/remove/", roster_views.roster_assignment_remove, name="roster-assignment-remove"),
    path(
        "roster/assignments/<int:pk>/replace/",
        roster_views.roster_assignment_replace,
        name="roster-assignment-replace",
    ),
    path("roster/assignments/<int:pk>/swap/", roster_views.roster_swap_create, name="roster-swap-create"),
    path("roster/me/", roster_views.roster_mine, name="roster-mine"),
    path("roster/staff/<int:staff_id>/", roster_views.roster_person, name="roster-person"),
    path(
        "roster/staff/<int:staff_id>/calendar-token/",
        roster_views.roster_calendar_token,
        name="roster-calendar-token",
    ),
    path("roster/swaps/", roster_views.roster_swaps, name="roster-swaps"),
    path("roster/swaps/<int:pk>/accept/", roster_views.roster_swap_accept, name="roster-swap-accept"),
    path("roster/swaps/<int:pk>/reject/", roster_views.roster_swap_reject, name="roster-swap-reject"),
    path("roster/swaps/<int:pk>/cancel/", roster_views.roster_swap_cancel, name="roster-swap-cancel"),
    path("calendar/<str:token>.ics", roster_views.roster_calendar, name="roster-calendar"),
]

duty_patterns = [
    path("duty/today/", duty_views.duty_today, name="duty-today"),
    path("duty/assignments/<int:pk>/check-in/", duty_views.duty_check_in, name="duty-check-in"),
    path("duty/assignments/<int:pk>/check-out/", duty_views.duty_check_out, name="duty-check-out"),
    path("duty/shifts/<int:pk>/patrol/", duty_views.duty_patrol_record, name="duty-patrol"),
    path("duty/board/", duty_views.duty_board, name="duty-board"),
    path("duty/stats/", duty_views.duty_stats, name="duty-stats"),
]

urlpatterns = [*schedule_patterns, *roster_patterns, *duty_patterns]
