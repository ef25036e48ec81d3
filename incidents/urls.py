"""Incident pages (namespace ``incidents``): each part keeps its own URL list, names prefixed by part."""

from __future__ import annotations

from incidents import analysis_urls, handle_urls, report_urls

app_name = "incidents"
urlpatterns = [*report_urls.urlpatterns, *handle_urls.urlpatterns, *analysis_urls.urlpatterns]
