from __future__ import annotations

from django.urls import path

from incidents import handle_views as views

urlpatterns = [
    path("handle/", views.handle_inbox, name="handle-inbox"),
    path("handle/<int:pk>/", views.handle_detail, name="handle-detail"),
    path("handle/<int:pk>/transition/", views.handle_transition, name="handle-transition"),
    path("handle/<int:pk>/comment/", views.handle_comment, name="handle-comment"),
    path("handle/<int:pk>/follow-up/", views.handle_follow_up, name="handle-follow-up"),
    path("handle/follow-ups/", views.handle_follow_ups, name="handle-follow-ups"),
    path("handle/rectifications/", views.handle_rectifications, name="handle-rectifications"),
    path("handle/rectifications/<int:pk>/clear/", views.handle_rectification_clear, name="handle-rectification-clear"),
]
