from __future__ import annotations

from django.urls import path

from patrol.roster import generate_urls, views

urlpatterns: list = [
    *generate_urls.urlpatterns,
    path("roster/", views.roster_home, name="roster-home"),
    path("roster/terms/<int:term_id>/", views.roster_term, name="roster-term"),
    path("roster/terms/<int:term_id>/week/", views.roster_week, name="roster-week"),
    path("roster/terms/<int:term_id>/sheet/", views.roster_sheet, name="roster-sheet"),
    path("roster/terms/<int:term_id>/export/", views.roster_export, name="roster-export"),
    path("roster/terms/<int:term_id>/publish/", views.roster_publish, name="roster-publish"),
    path("roster/shifts/<int:shift_id>/", views.roster_shift, name="roster-shift"),
    path("roster/shifts/<int:shift_id>/add/", views.roster_assignment_add, name="roster-assignment-add"),
    path("roster/assignments/<int:pk>/remove/", views.roster_assignment_remove, name="roster-assignment-remove"),
    path("roster/assignments/<int:pk>/replace/", views.roster_assignment_replace, name="roster-assignment-replace"),
    path("roster/assignments/<int:pk>/swap/", views.roster_swap_create, name="roster-swap-create"),
    path("roster/me/", views.roster_mine, name="roster-mine"),
    path("roster/staff/<int:staff_id>/", views.roster_person, name="roster-person"),
    path("roster/staff/<int:staff_id>/calendar-token/", views.roster_calendar_token, name="roster-calendar-token"),
    path("roster/swaps/", views.roster_swaps, name="roster-swaps"),
    path("roster/swaps/<int:pk>/accept/", views.roster_swap_accept, name="roster-swap-accept"),
    path("roster/swaps/<int:pk>/reject/", views.roster_swap_reject, name="roster-swap-reject"),
    path("roster/swaps/<int:pk>/cancel/", views.roster_swap_cancel, name="roster-swap-cancel"),
    path("calendar/<str:token>.ics", views.roster_calendar, name="roster-calendar"),
]
