"""Drill API routes (names ``drill-...`` in ``drills_api``)."""

from __future__ import annotations

from django.urls import path

from drills import api

urlpatterns = [
    path("types/", api.DrillTypeViewSet.as_view({"get": "list", "post": "create"}), name="drill-type-list"),
    path(
        "types/<int:pk>/",
        api.DrillTypeViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="drill-type-detail",
    ),  # fmt: skip
    path("rules/", api.DrillRuleViewSet.as_view({"get": "list", "post": "create"}), name="drill-rule-list"),
    path(
        "rules/<int:pk>/",
        api.DrillRuleViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="drill-rule-detail",
    ),  # fmt: skip
    path("drills/", api.DrillViewSet.as_view({"get": "list", "post": "create"}), name="drill-list"),
    path("drills/<int:pk>/", api.DrillViewSet.as_view({"get": "retrieve"}), name="drill-detail"),
    path("drills/<int:pk>/record/", api.DrillRecordApi.as_view(), name="drill-record"),
    path("compliance/", api.ComplianceApi.as_view(), name="drill-compliance"),
    path("proposals/", api.ProposalsApi.as_view(), name="drill-proposals"),
]
