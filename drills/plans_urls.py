"""Emergency plan (``plan-...``) and police-school activity (``activity-...``) pages in ``drills``."""

from __future__ import annotations

from django.urls import path

from drills import plans_views

urlpatterns = [
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
