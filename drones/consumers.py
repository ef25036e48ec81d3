"""Live drone streams over websockets: the whole fleet, or one drone.

Thin consumers: authenticate (session; the origin check in config/asgi.py has
already refused other origins), check the role, join the groups, attach to the
process's live hub (``drones.bridge.fanout``), which sends the snapshot and then
the telemetry, latest value per drone; events and alerts come over the channel
layer, one message type per handler. A client that sees a gap in a drone's
``seq`` sends ``{"type": "resync"}`` and gets a fresh snapshot.

Close codes: 4401 not signed in (or the session ended), 4403 role may not see drones, 4404 no such
drone; bad frames and session re-checks as in ``common.websockets.SessionBoundConsumer``.

Alerts (``drones.alerts``) reach the fleet and drone sockets as ``alert`` / ``alert.ack``
messages, and ``/ws/drones/alerts/`` (the banner every page shows) carries nothing else.
"""

from __future__ import annotations

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async

from common.roles import Capability, can
from common.websockets import SessionBoundConsumer
from drones.bridge.fanout import ViewerFeed, encode, live_hub
from drones.bridge.protocol import FLEET_GROUP, drone_group
from drones.live import alive_states

# Channel-layer events whose handlers only forward the bridge's text to the socket.
FORWARDED = frozenset({"drone.event", "fleet.update", "telemetry.update", "drone.alert", "drone.alert.ack"})


@database_sync_to_async
def _allowed(user) -> bool:
    return can(user, Capability.VIEW_DRONES)


@database_sync_to_async
def _drone_ids(drone_id: int | None = None) -> list[int]:
    from drones.models import Drone

    qs = Drone.objects.exclude(status=Drone.Status.RETIRED)
    if drone_id is not None:
        qs = qs.filter(pk=drone_id)
    return list(qs.values_list("id", flat=True))


async def _admit(consumer: SessionBoundConsumer) -> bool:
    """Whether the socket's user may watch drones; closes it with 4401/4403 when not."""
    user = consumer.scope.get("user")
    if user is None or not user.is_authenticated:
        await consumer.close(code=4401)
        return False
    if not await _allowed(user):
        await consumer.close(code=4403)
        return False
    return True


class _LiveConsumer(SessionBoundConsumer):
    capability = Capability.VIEW_DRONES
    groups_to_join: list[str] = []
    drone_ids: list[int] = []
    feed: ViewerFeed | None = None
    feed_drone: int | None = None  # None: the whole fleet

    async def connect(self) -> None:
        if not await _admit(self):
            return
        if not await self.prepare():
            await self.close(code=4404)
            return
        for group in self.groups_to_join:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        self.feed = live_hub().attach(self._send_live, self.feed_drone)
        await self.send_snapshot()

    async def prepare(self) -> bool:
        raise NotImplementedError

    async def disconnect(self, code) -> None:
        if self.feed is not None:
            self.feed.close()
            self.feed = None
        for group in self.groups_to_join:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def _send_live(self, text: str) -> None:
        if not self._closing:
            await self.send(text_data=text)

    async def send_snapshot(self) -> None:
        """Through the feed, so it goes before any update it already holds (the hub's state, else the cache's)."""
        missing = [i for i in self.drone_ids if self.feed is not None and i not in self.feed.hub.drones]
        cached = await alive_states(missing) if missing else {}  # a trip to a thread: only when needed
        if self.feed is None:  # closed meanwhile
            return
        hub = self.feed.hub
        states = hub.states(self.drone_ids, cached)
        times = {str(i): ms for i, ms in hub.times_ms(states).items()}
        self.feed.restart(
            encode(
                {
                    "type": "snapshot",
                    "drones": {str(i): s for i, s in states.items()},
                    "at": times,
                    "ids": self.drone_ids,
                }
            )
        )

    async def receive_json(self, content, **kwargs) -> None:
        if isinstance(content, dict) and content.get("type") == "resync":
            self.drone_ids = await self._reload_ids()
            await self.send_snapshot()

    async def _reload_ids(self) -> list[int]:
        return self.drone_ids

    async def dispatch(self, message) -> None:
        # Channels runs close_old_connections() in the thread-sensitive executor before every
        # handler: one thread round trip per message per viewer (2,000 a second for 100 viewers
        # of the fleet), all queued on one thread. The forwarding handlers never touch the
        # database, so they skip it; everything else (connect, resync) goes the usual way.
        if message["type"] in FORWARDED:
            handler = getattr(self, get_handler_name(message), None)
            if handler is not None:
                await handler(message)
                return
        await super().dispatch(message)

    # One handler per channel-layer event type. The bridge encoded the JSON once ("text"):
    # forwarding it as is spares a re-encoding per viewer.
    async def drone_event(self, message) -> None:
        await self.send(text_data=message["text"])

    async def fleet_update(self, message) -> None:
        """Telemetry over the channel layer, from a bridge of an older release during an upgrade: the hub has it."""

    # Alerts (drones.alerts): "alert" when one is raised, "alert.ack" when someone acknowledged it.
    async def drone_alert(self, message) -> None:
        if self.wants(message.get("drone")):
            await self.send(text_data=message["text"])

    async def drone_alert_ack(self, message) -> None:
        if self.wants(message.get("drone")):
            await self.send(text_data=message["text"])

    def wants(self, drone_id: int | None) -> bool:
        return True


class FleetConsumer(_LiveConsumer):
    """``/ws/drones/``: every drone's state, batched per bridge tick (``fleet`` frames from the hub)."""

    groups_to_join = [FLEET_GROUP]

    async def prepare(self) -> bool:
        self.drone_ids = await _drone_ids()
        return True

    async def _reload_ids(self) -> list[int]:
        return await _drone_ids()


class DroneConsumer(_LiveConsumer):
    """``/ws/drones/<id>/``: one drone's state at the UI rate (``telemetry`` frames from the hub), and its events.

    Events come on the fleet group (this consumer takes its drone's), anything else sent to
    ``drone.<id>`` (``telemetry.update``, ``drone.event``) as it comes.
    """

    drone_id: int

    async def prepare(self) -> bool:
        self.drone_id = int(self.scope["url_route"]["kwargs"]["drone_id"])
        self.drone_ids = await _drone_ids(self.drone_id)
        self.feed_drone = self.drone_id
        self.groups_to_join = [drone_group(self.drone_id), FLEET_GROUP]
        return bool(self.drone_ids)

    async def telemetry_update(self, message) -> None:
        await self.send(text_data=message["text"])

    async def drone_event(self, message) -> None:
        if message.get("drone") == self.drone_id:
            await self.send(text_data=message["text"])

    def wants(self, drone_id: int | None) -> bool:
        return drone_id == self.drone_id


class AlertConsumer(SessionBoundConsumer):
    """``/ws/drones/alerts/``: only the alerts (``drones.alerts``), for the banner on every page."""

    capability = Capability.VIEW_DRONES

    async def connect(self) -> None:
        from drones.alerts import ALERT_GROUP

        if not await _admit(self):
            return
        self.group = ALERT_GROUP
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code) -> None:
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def drone_alert(self, message) -> None:
        await self.send(text_data=message["text"])

    async def drone_alert_ack(self, message) -> None:
        await self.send(text_data=message["text"])
