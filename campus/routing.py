from __future__ import annotations

from campus.incidents.routing import websocket_urlpatterns as incident_websockets

websocket_urlpatterns = [*incident_websockets]
