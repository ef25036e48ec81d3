from __future__ import annotations

from django.urls import path

from patrol.roster import api, generate_api_urls

urlpatterns: list = [
    *generate_api_urls.urlpatterns,
    path("roster/terms/<int:term_id>/assignments/", api.AssignmentListApi.as_view(), name="roster-assignment-list"),
    path("roster/terms/<int:term_id>/publish/", api.PublishApi.as_view(), name="roster-publish"),
    path("roster/assignments/<int:pk>/remove/", api.AssignmentRemoveApi.as_view(), name="roster-assignment-remove"),
    path("roster/assignments/<int:pk>/replace/", api.AssignmentReplaceApi.as_view(), name="roster-assignment-replace"),
    path("roster/swaps/", api.SwapListApi.as_view(), name="roster-swap-list"),
    path("roster/swaps/<int:pk>/accept/", api.SwapAcceptApi.as_view(), name="roster-swap-accept"),
    path("roster/swaps/<int:pk>/reject/", api.SwapRejectApi.as_view(), name="roster-swap-reject"),
    path("roster/swaps/<int:pk>/cancel/", api.SwapCancelApi.as_view(), name="roster-swap-cancel"),
]
