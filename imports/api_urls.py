"""Imports API, included by ``campus.api_urls`` under ``imports/`` in the ``campus_api`` namespace."""

from __future__ import annotations

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from imports.api import ImportBatchViewSet

router = SimpleRouter()
router.register("", ImportBatchViewSet, basename="import")

urlpatterns = [path("", include(router.urls))]
