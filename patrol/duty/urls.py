from __future__ import annotations

from django.urls import path

from patrol.duty import views

urlpatterns = [
    path("duty/today/", views.duty_today, name="duty-today"),
    path("duty/assignments/<int:pk>/check-in/", views.duty_check_in, name="duty-check-in"),
    path("duty/assignments/<int:pk>/check-out/", views.duty_check_out, name="duty-check-out"),
    path("duty/shifts/<int:pk>/patrol/", views.duty_patrol_record, name="duty-patrol"),
    path("duty/board/", views.duty_board, name="duty-board"),
    path("duty/stats/", views.duty_stats, name="duty-stats"),
]
