from __future__ import annotations

from django.urls import path

from patrol.roster import generate_views

urlpatterns: list = [
    path("terms/<int:pk>/generate/", generate_views.generate_term, name="generate-term"),
]
