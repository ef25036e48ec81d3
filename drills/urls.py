"""Drill, plan and activity pages (namespace ``drills``), names prefixed by part: drills (``drill-...``),
emergency plans (``plan-...``) and police-school activities (``activity-...``)."""

from __future__ import annotations

from django.urls import path

from drills import views
from drills.plans import views as plans_views

app_name = "drills"

drill_patterns = [
    path("", views.drill_board, name="drill-board"),
    path("schools/<int:pk>/", views.drill_school, name="drill-school"),
    path("schools/<int:pk>/plan/", views.drill_plan, name="drill-plan"),
    path("schools/<int:pk>/record/", views.drill_new, name="drill-new"),
    path("drills/<int:pk>/", views.drill_detail, name="drill-detail"),
    path("drills/<int:pk>/record/", views.drill_record_planned, name="drill-record"),
    path("actions/<int:pk>/done/", views.drill_action_done, name="drill-action-done"),
    path("attachments/<int:pk>/", views.drill_attachment, name="drill-attachment"),
    path("reminders/", views.drill_reminders, name="drill-reminders"),
    path("rules/", views.drill_rules, name="drill-rules"),
    path("rules/types/new/", views.drill_type_edit, name="drill-type-new"),
    path("rules/types/<int:pk>/", views.drill_type_edit, name="drill-type-edit"),
    path("rules/new/", views.drill_rule_edit, name="drill-rule-new"),
    path("rules/<int:pk>/", views.drill_rule_edit, name="drill-rule-edit"),
    path("report/", views.drill_report, name="drill-report"),
]

plan_patterns = [
    path("plans/", plans_views.plan_list, name="plan-list"),
    path("plans/new/", plans_views.plan_new, name="plan-new"),
    path("plans/school/<int:pk>/", plans_views.plan_school, name="plan-school"),
    path("plans/<int:pk>/", plans_views.plan_detail, name="plan-detail"),
    path("plans/<int:pk>/versions/new/", plans_views.plan_version_new, name="plan-version-new"),
    path("activities/", plans_views.activity_list, name="activity-list"),
    path("activities/new/", plans_views.activity_new, name="activity-new"),
    path("activities/counts/", plans_views.activity_counts, name="activity-counts"),
    path("activities/<int:pk>/", plans_views.activity_detail, name="activity-detail"),
]

urlpatterns = [*drill_patterns, *plan_patterns]
