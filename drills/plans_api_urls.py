"""Plans (``plan-...``) and activities (``activity-...``) API routes in ``drills_api``."""

from __future__ import annotations

from django.urls import path

from drills.plans_api import ActivityCountsApi, ActivityViewSet, PlanBoardApi, PlanViewSet

urlpatterns = [
    path("plans/", PlanViewSet.as_view({"get": "list", "post": "create"}), name="plan-list"),
    path("plans/board/", PlanBoardApi.as_view(), name="plan-board"),
    path("plans/<int:pk>/", PlanViewSet.as_view({"get": "retrieve"}), name="plan-detail"),
    path("plans/<int:pk>/versions/", PlanViewSet.as_view({"post": "versions"}), name="plan-versions"),
    path("activities/", ActivityViewSet.as_view({"get": "list", "post": "create"}), name="activity-list"),
    path("activities/counts/", ActivityCountsApi.as_view(), name="activity-counts"),
    path("activities/<int:pk>/", ActivityViewSet.as_view({"get": "retrieve"}), name="activity-detail"),
]
