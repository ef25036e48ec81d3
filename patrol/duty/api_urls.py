from __future__ import annotations

from django.urls import path

from patrol.duty import api

urlpatterns = [
    path("board/", api.BoardApi.as_view(), name="duty-board"),
    path("stats/", api.StatsApi.as_view(), name="duty-stats"),
    path("duty/assignments/<int:pk>/check-in/", api.CheckInApi.as_view(), name="duty-check-in"),
    path("duty/assignments/<int:pk>/check-out/", api.CheckOutApi.as_view(), name="duty-check-out"),
]
