from __future__ import annotations

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from campus import api, coverage, maps

app_name = "campus_api"

router = DefaultRouter()
router.root_view_name = "root"
router.register("stations", api.StationViewSet, basename="station")
router.register("zones", api.ZoneViewSet, basename="zone")
router.register("departments", api.DepartmentViewSet, basename="department")
router.register("officers", api.OfficerViewSet, basename="officer")
router.register("schools", api.SchoolViewSet, basename="school")
router.register("liaisons", api.LiaisonViewSet, basename="liaison")
router.register("pairings", api.PairingViewSet, basename="pairing")

urlpatterns = [
    path("", include(router.urls)),
    path("coverage/", coverage.CoverageApi.as_view(), name="coverage"),
    path("map/layers/", maps.MapLayersApi.as_view(), name="map_layers"),
    path("imports/", include("imports.api_urls")),
]
