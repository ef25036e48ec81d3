from __future__ import annotations

from django.urls import path

from incidents import handle_api as api

urlpatterns = [
    path("handle/", api.HandleListApi.as_view(), name="handle-list"),
    path("handle/<int:pk>/", api.HandleDetailApi.as_view(), name="handle-detail"),
    path("handle/<int:pk>/transition/", api.HandleTransitionApi.as_view(), name="handle-transition"),
    path("handle/<int:pk>/comments/", api.HandleCommentApi.as_view(), name="handle-comment"),
    path("handle/<int:pk>/follow-up/", api.HandleFollowUpApi.as_view(), name="handle-follow-up"),
    path("handle/follow-ups/", api.HandleFollowUpListApi.as_view(), name="handle-follow-up-list"),
    path("handle/rectifications/", api.HandleRectificationListApi.as_view(), name="handle-rectification-list"),
    path(
        "handle/rectifications/<int:pk>/clear/",
        api.HandleRectificationClearApi.as_view(),
        name="handle-rectification-clear",
    ),
]
