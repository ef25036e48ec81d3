"""Airspace pages, appended to ``drones.urls`` (namespace ``drones``) under ``/drones/airspace/``."""

from __future__ import annotations

from django.urls import path

from drones.airspace import views

urlpatterns = [
    path("airspace/", views.airspace_list, name="airspace_list"),
    path("airspace/<int:pk>/", views.airspace_detail, name="airspace_detail"),
    path("airspace/<int:pk>/edit/", views.airspace_edit, name="airspace_edit"),
    path("airspace/<int:pk>/active/", views.airspace_toggle, name="airspace_toggle"),
    path("airspace/markets/<int:pk>/", views.market_detail, name="market_detail"),
    path("airspace/markets/<int:pk>/edit/", views.market_edit, name="market_edit"),
]
