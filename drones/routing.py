from __future__ import annotations

from django.urls import path

from drones.consumers import AlertConsumer, DroneConsumer, FleetConsumer

websocket_urlpatterns = [
    path("ws/drones/", FleetConsumer.as_asgi()),
    path("ws/drones/alerts/", AlertConsumer.as_asgi()),
    path("ws/drones/<int:drone_id>/", DroneConsumer.as_asgi()),
]
