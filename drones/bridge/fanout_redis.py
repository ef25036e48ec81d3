"""Live telemetry between processes over Redis pub/sub: one PUBLISH per bridge tick, one subscription per web process.

The channel is ``DRONE_TELEMETRY_CHANNEL``. Redis pub/sub channels are shared by every database of a
server, so the default name carries the database number of ``REDIS_URL``: test runs and benchmarks on
other databases do not hear each other. Nothing is stored: a web process that was not listening
(starting, reconnecting) gets each drone's next update in full (``drones.bridge.fanout``), and its
first viewers' snapshots come from the live cache.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    from drones.bridge.fanout import TelemetryHub

log = logging.getLogger(__name__)

RECONNECT_START_S = 0.5
RECONNECT_MAX_S = 10.0


def _client():
    import redis.asyncio as aioredis

    # No read timeout: a quiet fleet sends nothing for minutes (see the channel layer's note in settings).
    return aioredis.Redis.from_url(settings.REDIS_URL, socket_timeout=None)


class RedisTelemetryPublisher:
    """The bridge's side: one PUBLISH per tick."""

    def __init__(self) -> None:
        self.client = _client()
        self.channel = settings.DRONE_TELEMETRY_CHANNEL

    async def publish(self, updates: list[dict[str, Any]], at: float) -> None:
        from drones.bridge.fanout import tick_text

        await self.client.publish(self.channel, tick_text(updates, at))

    async def close(self) -> None:
        await self.client.aclose()


async def telemetry_subscribe(hub: TelemetryHub) -> None:
    """Feed ``hub`` from the Redis channel until cancelled; reconnect with back-off when Redis goes away."""
    backoff_s = RECONNECT_START_S
    channel = settings.DRONE_TELEMETRY_CHANNEL
    while True:
        client = _client()
        try:
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            await pubsub.subscribe(channel)
            hub.subscribed.set()
            backoff_s = RECONNECT_START_S
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    _deliver(hub, message["data"])
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - Redis restarted or unreachable: viewers see "delayed", then resume
            log.exception("live telemetry subscription lost; retrying in %.1f s", backoff_s)
            hub.subscribed.clear()
            await asyncio.sleep(backoff_s)
            backoff_s = min(backoff_s * 2, RECONNECT_MAX_S)
        finally:
            hub.subscribed.clear()
            await asyncio.shield(_close(client))


def _deliver(hub: TelemetryHub, data: Any) -> None:
    try:
        hub.publish_text(data)
    except (ValueError, KeyError, TypeError):  # one bad message must not end the subscription
        log.exception("ignored a malformed live telemetry message")


async def _close(client) -> None:
    try:
        await client.aclose()
    except Exception:  # noqa: BLE001 - closing a broken connection may fail; nothing left to do
        log.debug("closing the Redis client failed", exc_info=True)
