"""Run the telemetry bridge inside the web process (the embedded default, no Redis).

``LifespanBridge`` wraps the ASGI application: on the server's lifespan
start-up it starts a ``Bridge`` on the server's own event loop, so the
in-memory channel layer and cache it writes are the ones the web side reads;
on shut-down it stops it. Other scopes pass straight through.
"""

from __future__ import annotations

import asyncio
import logging

from django.conf import settings

log = logging.getLogger(__name__)


class LifespanBridge:
    def __init__(self, app) -> None:
        self.app = app
        self.bridge = None
        self._task: asyncio.Task | None = None
        self._jobs: list[asyncio.Task] = []

    async def __call__(self, scope, receive, send):
        if scope["type"] != "lifespan":
            return await self.app(scope, receive, send)
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    self.start()
                except Exception as exc:  # noqa: BLE001 - report start-up failure to the server, which exits
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def start(self) -> None:
        from drones.bridge.runner import settle_garbage_collector

        settle_garbage_collector()  # every web process: its consumers feel the collector's pauses too
        self._start_jobs()
        if not settings.DRONE_BRIDGE_EMBEDDED:
            log.info("telemetry bridge not embedded (DRONE_BRIDGE_EMBEDDED off): run manage.py run_drone_bridge")
            return
        from drones.bridge.runner import Bridge

        self.bridge = Bridge(
            ui_rate_hz=settings.DRONE_UI_RATE_HZ, heartbeat_timeout_s=settings.DRONE_HEARTBEAT_TIMEOUT_S
        )
        self._task = asyncio.get_running_loop().create_task(self.bridge.run(), name="embedded drone bridge")
        log.info("embedded telemetry bridge started")

    def _start_jobs(self) -> None:
        """Periodic work every web process does: escalating unacknowledged incident reports.

        Each escalation step locks its report and re-checks it, so several processes may run it.
        """
        interval_s = settings.INCIDENT_ESCALATE_INTERVAL_S
        if interval_s > 0:
            from incidents.escalation import escalation_loop

            loop = asyncio.get_running_loop()
            self._jobs.append(loop.create_task(escalation_loop(interval_s), name="incident escalation"))

    async def stop(self) -> None:
        for job in self._jobs:
            job.cancel()
        await asyncio.gather(*self._jobs, return_exceptions=True)
        self._jobs = []
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
