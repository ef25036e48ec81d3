"""Run the telemetry bridge inside the web process (the embedded default, no Redis).

``embedded_bridge_job`` is the drones app's background job (registered in ``DronesConfig.ready()``,
run by the ASGI lifespan, ``config.lifespan``): at start-up it starts a ``Bridge`` on the server's own
event loop, so the in-memory channel layer and cache it writes are the ones the web side reads; at
shut-down the lifespan cancels it.
"""

from __future__ import annotations

import logging
from collections.abc import Coroutine
from typing import Any

from django.conf import settings

log = logging.getLogger(__name__)


def embedded_bridge_job() -> Coroutine[Any, Any, None] | None:
    """The bridge's run coroutine when ``DRONE_BRIDGE_EMBEDDED`` is on, else ``None``.

    Every web process settles the garbage collector first, embedded bridge or not: its websocket
    consumers feel the collector's pauses too.
    """
    from drones.bridge.runner import Bridge, settle_garbage_collector

    settle_garbage_collector()
    if not settings.DRONE_BRIDGE_EMBEDDED:
        log.info("telemetry bridge not embedded (DRONE_BRIDGE_EMBEDDED off): run manage.py run_drone_bridge")
        return None
    bridge = Bridge(ui_rate_hz=settings.DRONE_UI_RATE_HZ, heartbeat_timeout_s=settings.DRONE_HEARTBEAT_TIMEOUT_S)
    log.info("embedded telemetry bridge started")
    return bridge.run()
