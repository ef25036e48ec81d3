"""Run the telemetry bridge inside the web process (the embedded default, no Redis).

``embedded_bridge_job`` is the drones app's background job (registered in ``DronesConfig.ready()``,
run by the ASGI lifespan, ``config.lifespan``): at start-up it starts a ``Bridge`` on the server's own
event loop, so the in-memory channel layer and cache it writes are the ones the web side reads; at
shut-down the lifespan cancels it.

Simulator ports without simulators. ``make run`` passes ``SIM_DRONES`` (how many simulated drones
``manage.py serve`` starts) and ``SIM_BASE_PORT`` to the server. The sample drones point at the simulator
ports ``tcp:127.0.0.1:SIM_BASE_PORT + 10 * i``; a sample drone ``i`` with ``i >= SIM_DRONES`` has no
simulator behind its port (``make run SIM_DRONES=0``: none has), so the bridge does not open that link at
all: the drone shows offline with the reason instead of the bridge knocking on the port every few
seconds. Every other drone, and every drone when ``SIM_DRONES`` is not set (a server not started by
``make``), connects as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from django.conf import settings

from common.env import env_int

log = logging.getLogger(__name__)

SIM_DRONES_ENV = "SIM_DRONES"
SIM_BASE_PORT_ENV = "SIM_BASE_PORT"


def idle_simulator_links(*, sim_drones: int | None, base_port: int) -> frozenset[str]:
    """The sample drones' simulator links no simulator listens on when ``sim_drones`` simulators run.

    ``sim_drones`` None: unknown (the server was not started by ``make``), so no link is idle.
    """
    from drones.sample import SAMPLE_DRONES, sample_connection

    if sim_drones is None:
        return frozenset()
    return frozenset(sample_connection(i, base_port=base_port) for i in range(sim_drones, len(SAMPLE_DRONES)))


def skipping_links(factory: Callable[..., Any], idle: frozenset[str]) -> Callable[..., Any]:
    """``factory`` that refuses the ``idle`` links without touching the network (the drone shows why)."""
    from drones.links import LinkRefused

    def open_vehicle(connection: str, **options: Any):
        if connection in idle:
            raise LinkRefused(
                f"no simulator runs on {connection} (started with SIM_DRONES={_sim_drones()}); "
                "start the server with simulators (make run SIM_DRONES=3) or point the drone at a vehicle"
            )
        return factory(connection, **options)

    return open_vehicle


def _sim_drones() -> int | None:
    value = env_int(SIM_DRONES_ENV, -1, min_value=0)
    return None if value == -1 else value


def embedded_bridge_job() -> Coroutine[Any, Any, None] | None:
    """The bridge's run coroutine when ``DRONE_BRIDGE_EMBEDDED`` is on, else ``None``.

    Every web process settles the garbage collector first, embedded bridge or not: its websocket
    consumers feel the collector's pauses too. A bad ``SIM_DRONES`` or ``SIM_BASE_PORT`` fails the start-up.
    """
    from drones.bridge.runner import Bridge, settle_garbage_collector
    from drones.links import open_vehicle
    from drones.sample import SIM_BASE_PORT

    settle_garbage_collector()
    if not settings.DRONE_BRIDGE_EMBEDDED:
        log.info("telemetry bridge not embedded (DRONE_BRIDGE_EMBEDDED off): run manage.py run_drone_bridge")
        return None
    sim_drones = _sim_drones()
    base_port = env_int(SIM_BASE_PORT_ENV, SIM_BASE_PORT, min_value=1, max_value=65535)
    idle = idle_simulator_links(sim_drones=sim_drones, base_port=base_port)
    if idle:
        log.info(
            "no simulator behind %s (SIM_DRONES=%s): the bridge leaves those links closed", sorted(idle), sim_drones
        )
    bridge = Bridge(
        ui_rate_hz=settings.DRONE_UI_RATE_HZ,
        heartbeat_timeout_s=settings.DRONE_HEARTBEAT_TIMEOUT_S,
        vehicle_factory=skipping_links(open_vehicle, idle) if idle else None,
    )
    log.info("embedded telemetry bridge started")
    return bridge.run()
