"""Drill, plan and activity pages (namespace ``drills``): each part keeps its own URL list."""

from __future__ import annotations

from drills import drills_urls, plans_urls

app_name = "drills"
urlpatterns = [*drills_urls.urlpatterns, *plans_urls.urlpatterns]
