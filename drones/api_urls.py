"""Drone API under ``/api/drones/`` (namespace ``drones_api``): the fleet, commands and the control lock,
alerts, missions and flights (``drones.missions``), airspace zones, the airspace map layer and markets
(``drones.airspace``)."""

from __future__ import annotations

from django.urls import include, path
from rest_framework.routers import DefaultRouter, SimpleRouter

from drones import alerts_api, api
from drones.airspace import api as airspace_api
from drones.missions import api as mission_api

app_name = "drones_api"

router = DefaultRouter()
router.root_view_name = "root"
router.register("drones", api.DroneViewSet, basename="drone")
router.register("pilots", api.PilotViewSet, basename="pilot")
router.register("batteries", api.BatteryViewSet, basename="battery")
router.register("missions", mission_api.MissionViewSet, basename="mission")
router.register("flights", mission_api.FlightViewSet, basename="flight")

# Airspace keeps a router of its own: the API root (DefaultRouter) never listed it.
airspace_router = SimpleRouter()
airspace_router.register("airspace", airspace_api.AirspaceViewSet, basename="airspace")
airspace_router.register("markets", airspace_api.MarketViewSet, basename="market")

urlpatterns = [
    path("", include(router.urls)),
    path("drones/<int:pk>/command/", api.DroneCommandApi.as_view(), name="drone-command"),
    path("drones/<int:pk>/lock/", api.DroneLockApi.as_view(), name="drone-lock"),
    path("alerts/", alerts_api.AlertListApi.as_view(), name="alert-list"),
    path("alerts/<int:pk>/ack/", alerts_api.AlertAckApi.as_view(), name="alert-ack"),
    path("", include(airspace_router.urls)),
]
