from __future__ import annotations

from django.urls import path

from patrol.duty.consumers import BoardConsumer

websocket_urlpatterns = [path("ws/patrol/board/", BoardConsumer.as_asgi())]
