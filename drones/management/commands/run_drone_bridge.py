"""Run the telemetry bridge as its own process (the scale path, with REDIS_URL).

manage.py run_drone_bridge                 # all drones
manage.py run_drone_bridge --shard 0 --shards 2   # half of them; run shard 1 elsewhere
"""

from __future__ import annotations

import asyncio
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from drones.bridge.runner import Bridge


class Command(BaseCommand):
    help = "Hold every drone's MAVLink link and publish live telemetry to the channel layer."

    def add_arguments(self, parser):
        parser.add_argument("--shard", type=int, default=0, help="Which share of the fleet (0-based).")
        parser.add_argument("--shards", type=int, default=1, help="How many bridge processes share the fleet.")
        parser.add_argument(
            "--ui-rate",
            type=float,
            default=settings.DRONE_UI_RATE_HZ,
            help="Updates per second per drone sent to browsers (default %(default)s).",
        )

    def handle(self, *args, shard: int, shards: int, ui_rate: float, **options):
        if shards < 1 or not 0 <= shard < shards:
            raise CommandError(f"--shard must be in 0..{shards - 1} (got {shard} of {shards})")
        if settings.DRONE_BRIDGE_EMBEDDED and not settings.REDIS_URL:
            self.stderr.write(
                "Note: without REDIS_URL the channel layer is in-memory, so browsers served by "
                "another process will not see this bridge's telemetry."
            )
        bridge = Bridge(
            shard=shard, shards=shards, ui_rate_hz=ui_rate, heartbeat_timeout_s=settings.DRONE_HEARTBEAT_TIMEOUT_S
        )
        asyncio.run(self._run(bridge))

    async def _run(self, bridge: Bridge) -> None:
        task = asyncio.create_task(bridge.run())
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        try:
            await task
        except asyncio.CancelledError:
            self.stdout.write("drone bridge stopped")
