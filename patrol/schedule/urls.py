"""Pages of the 护学岗 set-up (namespace ``patrol``, names ``schedule-...``)."""

from __future__ import annotations

from django.urls import path

from patrol.schedule import views

urlpatterns = [
    path("schedule/", views.home, name="schedule-home"),
    path("schedule/terms/new/", views.term_create, name="schedule-term-create"),
    path("schedule/terms/<int:pk>/", views.term_detail, name="schedule-term"),
    path("schedule/terms/<int:pk>/edit/", views.term_update, name="schedule-term-update"),
    path("schedule/terms/<int:pk>/build-shifts/", views.term_build, name="schedule-term-build"),
    path("schedule/overrides/new/", views.override_create, name="schedule-override-create"),
    path("schedule/overrides/<int:pk>/delete/", views.override_delete, name="schedule-override-delete"),
    path("schedule/closures/new/", views.closure_create, name="schedule-closure-create"),
    path("schedule/windows/", views.window_rule_save, name="schedule-window-rule-save"),
    path("schedule/windows/<int:pk>/delete/", views.window_rule_delete, name="schedule-window-rule-delete"),
    path("schedule/schools/", views.school_list, name="schedule-schools"),
    path("schedule/schools/<int:pk>/", views.school_detail, name="schedule-school"),
    path("schedule/schools/<int:pk>/bells/", views.bells_save, name="schedule-bells-save"),
    path("schedule/bells/<int:pk>/delete/", views.bells_delete, name="schedule-bells-delete"),
    path("schedule/schools/<int:pk>/posts/", views.post_save, name="schedule-post-save"),
    path("schedule/staff/", views.staff_list, name="schedule-staff"),
    path("schedule/staff/new/", views.staff_create, name="schedule-staff-create"),
    path("schedule/staff/<int:pk>/", views.staff_detail, name="schedule-staff-detail"),
    path("schedule/staff/<int:pk>/leave/", views.leave_create, name="schedule-leave-create"),
    path("schedule/leave/<int:pk>/delete/", views.leave_delete, name="schedule-leave-delete"),
]
