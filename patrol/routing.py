from __future__ import annotations

from patrol.duty.routing import websocket_urlpatterns as duty_websockets

websocket_urlpatterns = [*duty_websockets]
