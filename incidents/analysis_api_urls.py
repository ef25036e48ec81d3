"""Monthly analysis API (namespace ``incidents_api``)."""

from __future__ import annotations

from django.urls import path

from incidents import analysis_api

urlpatterns = [
    path("analysis/", analysis_api.MonthAnalysisApi.as_view(), name="analysis-month"),
    path("analysis/hotspots/", analysis_api.MonthHotspotsApi.as_view(), name="analysis-hotspots"),
]
