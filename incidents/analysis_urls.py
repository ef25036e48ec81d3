"""Monthly analysis pages (namespace ``incidents``)."""

from __future__ import annotations

from django.urls import path

from incidents import analysis_views

urlpatterns = [
    path("analysis/", analysis_views.analysis_month, name="analysis-month"),
]
