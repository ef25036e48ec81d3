"""Incident API under ``/api/incidents/`` (namespace ``incidents_api``)."""

from __future__ import annotations

from incidents import analysis_api_urls, handle_api_urls, report_api_urls

app_name = "incidents_api"
urlpatterns = [*report_api_urls.urlpatterns, *handle_api_urls.urlpatterns, *analysis_api_urls.urlpatterns]
