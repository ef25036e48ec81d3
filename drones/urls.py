"""Drone pages (namespace ``drones``): the fleet, pilots and batteries, missions and flights
(``drones.missions``), airspace zones and markets (``drones.airspace``)."""

from __future__ import annotations

from django.urls import path

from drones import views
from drones.airspace import views as airspace_views
from drones.missions import views as mission_views

app_name = "drones"

urlpatterns = [
    path("", views.fleet_list, name="fleet_list"),
    path("map/", views.live_map, name="live_map"),
    path("add/", views.drone_edit, name="drone_add"),
    path("<int:pk>/", views.drone_detail, name="drone_detail"),
    path("<int:pk>/edit/", views.drone_edit, name="drone_edit"),
    path("pilots/", views.pilot_list, name="pilot_list"),
    path("pilots/add/", views.pilot_edit, name="pilot_add"),
    path("pilots/<int:pk>/edit/", views.pilot_edit, name="pilot_edit"),
    path("batteries/", views.battery_list, name="battery_list"),
    path("batteries/add/", views.battery_edit, name="battery_add"),
    path("batteries/<int:pk>/edit/", views.battery_edit, name="battery_edit"),
    path("missions/", mission_views.mission_list, name="mission_list"),
    path("missions/<int:pk>/", mission_views.mission_detail, name="mission_detail"),
    path("flights/", mission_views.flight_list, name="flight_list"),
    path("flights/<int:pk>/", mission_views.flight_detail, name="flight_detail"),
    # Airspace zones and markets (drones.airspace).
    path("airspace/", airspace_views.airspace_list, name="airspace_list"),
    path("airspace/<int:pk>/", airspace_views.airspace_detail, name="airspace_detail"),
    path("airspace/<int:pk>/edit/", airspace_views.airspace_edit, name="airspace_edit"),
    path("airspace/<int:pk>/active/", airspace_views.airspace_toggle, name="airspace_toggle"),
    path("airspace/markets/<int:pk>/", airspace_views.market_detail, name="market_detail"),
    path("airspace/markets/<int:pk>/edit/", airspace_views.market_edit, name="market_edit"),
]
