"""Airspace API, appended to ``drones.api_urls`` (namespace ``drones_api``): ``/api/drones/airspace/``,
``/api/drones/airspace/map/`` and ``/api/drones/markets/``."""

from __future__ import annotations

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from drones.airspace import api

router = SimpleRouter()
router.register("airspace", api.AirspaceViewSet, basename="airspace")
router.register("markets", api.MarketViewSet, basename="market")

urlpatterns = [path("", include(router.urls))]
