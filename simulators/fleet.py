"""A fleet of simulated ArduCopters in one asyncio event loop.

One loop for all vehicles rather than a thread each: the work per vehicle is small and
frequent (a tick every few milliseconds, a burst of ~30 frames four times a second), so
threads would spend their time contending for the GIL and context-switching, while one loop
ticks every vehicle in turn with no locking. Each vehicle still has its own TCP listener, so
clients see independent vehicles. ``FleetThread`` runs that loop in a background thread for
synchronous callers (tests, dronekit, pymavlink scripts).

Vehicle time runs ``speedup`` times faster than wall time; the shared tick advances every
vehicle's clock, physics, timers and telemetry.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import replace
from typing import Any, TypeVar

from simulators.arducopter.link import VehicleServer
from simulators.arducopter.physics import offset_to_latlon
from simulators.arducopter.vehicle import DEFAULT_HOME, HomeLocation, Vehicle, VehicleOptions

T = TypeVar("T")
logger = logging.getLogger(__name__)
MAX_LOGGED_ERRORS = 20

BASE_TICK_VEHICLE_S = 0.02
MIN_TICK_WALL_S = 0.004
MAX_TICK_WALL_S = 0.02


def fleet_options(
    count: int,
    *,
    base_port: int = 5760,
    speedup: float = 1.0,
    home: HomeLocation = DEFAULT_HOME,
    spacing_m: float = 30.0,
    fast_boot: bool = False,
    console_banner: bool = True,
    distinct_sysids: bool = False,
    host: str = "127.0.0.1",
    params: dict[str, float] | None = None,
    boot_on_connect: bool = True,
) -> list[VehicleOptions]:
    """Options for ``count`` vehicles on ``base_port + 10 * i`` (0 = free ports), laid out on a grid
    ``spacing_m`` apart, north-east of ``home``."""
    columns = max(1, math.ceil(math.sqrt(count)))
    out = []
    for i in range(count):
        north, east = (i // columns) * spacing_m, (i % columns) * spacing_m
        lat, lon = offset_to_latlon(home.lat_deg, home.lon_deg, north, east)
        out.append(
            VehicleOptions(
                instance=i,
                sysid=1 + i if distinct_sysids else 1,
                host=host,
                port=0 if base_port == 0 else base_port + 10 * i,
                start=replace(home, lat_deg=lat, lon_deg=lon),
                speedup=speedup,
                console_banner=console_banner,
                fast_boot=fast_boot,
                boot_on_connect=boot_on_connect,
                params=dict(params or {}),
            )
        )
    return out


class Fleet:
    def __init__(self, options: Iterable[VehicleOptions]) -> None:
        self.vehicles = [Vehicle(o) for o in options]
        self.servers = [VehicleServer(v, v.options.host, v.options.tcp_port) for v in self.vehicles]
        speedups = {v.options.speedup for v in self.vehicles} or {1.0}
        fastest = max(speedups)
        self.tick_wall_s = min(MAX_TICK_WALL_S, max(MIN_TICK_WALL_S, BASE_TICK_VEHICLE_S / fastest))
        self._task: asyncio.Task[None] | None = None
        self.ticks = 0
        self.errors = 0

    @property
    def connection_strings(self) -> list[str]:
        return [s.connection_string for s in self.servers]

    async def start(self) -> None:
        for server in self.servers:
            await server.start()
        for vehicle in self.vehicles:
            if not vehicle.options.boot_on_connect:
                vehicle.start()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="fleet-tick")

    async def _run(self) -> None:
        vehicles = self.vehicles
        sleep = asyncio.sleep
        interval = self.tick_wall_s
        while True:
            for vehicle in vehicles:
                try:
                    vehicle.tick()
                except Exception:  # noqa: BLE001 - one vehicle's bug must not stop the fleet
                    self.errors += 1
                    if self.errors <= MAX_LOGGED_ERRORS:
                        logger.exception("vehicle %s tick failed", vehicle.options.instance)
                    vehicle.outbox.clear()
            self.ticks += 1
            await sleep(interval)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        for server in self.servers:
            await server.close()

    async def run_forever(self) -> None:
        await self.start()
        try:
            await asyncio.Event().wait()
        finally:
            await self.stop()


class FleetThread:
    """Run a ``Fleet`` in a daemon thread; ``call`` executes code on the fleet's loop."""

    def __init__(self, fleet: Fleet) -> None:
        self.fleet = fleet
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._main, name="simulated-fleet", daemon=True)
        self._started: Future[None] = Future()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self.fleet.start())
        except BaseException as exc:  # noqa: BLE001 - report bind errors to the caller
            self._started.set_exception(exc)
            return
        self._started.set_result(None)
        self.loop.run_forever()
        self.loop.run_until_complete(self.fleet.stop())
        self.loop.close()

    def start(self, timeout_s: float = 10.0) -> FleetThread:
        self._thread.start()
        self._started.result(timeout=timeout_s)
        return self

    def call(self, fn: Callable[[], T], timeout_s: float = 10.0) -> T:
        """Run ``fn()`` on the fleet's loop (thread-safe access to vehicles) and return its result."""

        async def runner() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(runner(), self.loop).result(timeout=timeout_s)

    def stop(self, timeout_s: float = 10.0) -> None:
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=timeout_s)

    def __enter__(self) -> FleetThread:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
