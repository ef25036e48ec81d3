"""Drill, plan and activity API under ``/api/drills/`` (namespace ``drills_api``), names prefixed by part:
drills (``drill-...``), emergency plans (``plan-...``) and police-school activities (``activity-...``)."""

from __future__ import annotations

from django.urls import path

from drills import api
from drills.plans import api as plans_api

app_name = "drills_api"

drill_patterns = [
    path("types/", api.DrillTypeViewSet.as_view({"get": "list", "post": "create"}), name="drill-type-list"),
    path(
        "types/<int:pk>/",
        api.DrillTypeViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="drill-type-detail",
    ),
    path("rules/", api.DrillRuleViewSet.as_view({"get": "list", "post": "create"}), name="drill-rule-list"),
    path(
        "rules/<int:pk>/",
        api.DrillRuleViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="drill-rule-detail",
    ),
    path("drills/", api.DrillViewSet.as_view({"get": "list", "post": "create"}), name="drill-list"),
    path("drills/<int:pk>/", api.DrillViewSet.as_view({"get": "retrieve"}), name="drill-detail"),
    path("drills/<int:pk>/record/", api.DrillRecordApi.as_view(), name="drill-record"),
    path("compliance/", api.ComplianceApi.as_view(), name="drill-compliance"),
    path("proposals/", api.ProposalsApi.as_view(), name="drill-proposals"),
]

plan_patterns = [
    path("plans/", plans_api.PlanViewSet.as_view({"get": "list", "post": "create"}), name="plan-list"),
    path("plans/board/", plans_api.PlanBoardApi.as_view(), name="plan-board"),
    path("plans/<int:pk>/", plans_api.PlanViewSet.as_view({"get": "retrieve"}), name="plan-detail"),
    path("plans/<int:pk>/versions/", plans_api.PlanViewSet.as_view({"post": "versions"}), name="plan-versions"),
    path("activities/", plans_api.ActivityViewSet.as_view({"get": "list", "post": "create"}), name="activity-list"),
    path("activities/counts/", plans_api.ActivityCountsApi.as_view(), name="activity-counts"),
    path("activities/<int:pk>/", plans_api.ActivityViewSet.as_view({"get": "retrieve"}), name="activity-detail"),
]

urlpatterns = [*drill_patterns, *plan_patterns]
