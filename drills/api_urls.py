"""Drill, plan and activity API under ``/api/drills/`` (namespace ``drills_api``)."""

from __future__ import annotations

from drills import drills_api_urls, plans_api_urls

app_name = "drills_api"
urlpatterns = [*drills_api_urls.urlpatterns, *plans_api_urls.urlpatterns]
