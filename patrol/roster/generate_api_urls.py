from __future__ import annotations

from django.urls import path

from patrol.roster import generate_api

urlpatterns: list = [
    path("terms/<int:pk>/generate/", generate_api.GenerateTermApi.as_view(), name="generate-term"),
]
