"""Live telemetry inside one web process: the latest state of every drone and the process's viewers.

The telemetry bridge publishes each tick (every drone that changed, full states with their ``seq``)
once per process, not once per viewer: embedded, straight into this process's hub
(``telemetry_publish``); with ``REDIS_URL``, with one Redis ``PUBLISH`` per tick on
``DRONE_TELEMETRY_CHANNEL``, which each web process reads with one subscription
(``drones.bridge.fanout_redis``), started with its first viewer. The channel layer still carries
events, alerts, commands and the session controls; the high-rate telemetry does not touch it.

The hub keeps each drone's latest state and writes to its viewers (``ViewerFeed``):

- A tick is encoded once, shared by every viewer that keeps up. A drone's update there holds only
  the fields that changed since its previous ``seq`` (``{"drone", "seq", "state": {changed}}``); an
  update the hub cannot diff (the first it sees of a drone, a seq it did not follow: a missed Redis
  message, a restarted bridge) is the full state, marked ``"full": true``.
- A viewer still sending (a slow socket, or the server behind) does not queue ticks: the drones
  they touched are marked pending, and when its socket is free it gets one frame with each pending
  drone's *latest* full state (``"full": true``). Updates in between are replaced, not lost: the
  frame's ``seq`` jumps past them, and a full update says the jump is no gap. Memory per viewer is
  bounded by the fleet, whatever the viewer's speed.
- An update that is older than ``DRONE_LIVE_DELAYED_S`` (1 s; less ``DRONE_LIVE_UNSEEN_DELAY_S``,
  the fastest path's delay that no clock here sees: ``freshness.delayed_after_s``) when it is written to the socket,
  counted from when its position left the vehicle (``drones.bridge.freshness``: the bridge's own
  queues count too), or for an update without a new position from when the bridge published it,
  is marked ``"delayed": true``: the pages show it as such, never as live. The next fresh update
  clears it.

The server's mark cannot see what happens after it writes: socket buffers, the network, a browser
that reads late. So every update also carries its ``at`` (UNIX ms: when its position left the
vehicle, else when the bridge published it), and the pages judge its age again on arrival and while
it is shown (``static/js/live_clock.js``: the browser's clock offset is learnt as the smallest
``now - at`` seen, so a skewed clock does not read as delay). A position the page cannot show as
live it shows as delayed, whichever side noticed.

Frames: ``/ws/drones/`` gets ``{"type": "fleet", "updates": [...]}``; ``/ws/drones/<id>/`` gets
``{"type": "telemetry", "drone", "seq", "full": true, "at", "state"[, "delayed": true]}`` (always the
full state: one drone at 5 Hz); snapshots carry ``"at": {drone: ms}`` beside the states. Clients apply
a delta only on the seq after theirs, a full update always, and ask for a ``resync`` snapshot on any
other jump.

One hub per event loop: a server has one; each test its own.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from django.conf import settings

from drones.bridge.freshness import delayed_after_s as freshness_delayed_after_s
from drones.bridge.protocol import nonfinite_to_none

log = logging.getLogger(__name__)


def wall_clock() -> Callable[[], float]:
    """A UNIX-time clock that runs with ``time.monotonic()``: a wall-clock step cannot age an update here."""
    offset = time.time() - time.monotonic()
    return lambda: time.monotonic() + offset


def encode(value: Any) -> str:
    """Compact strict JSON; a stray non-finite number becomes null (see ``protocol.json_text``)."""
    try:
        return json.dumps(value, allow_nan=False, separators=(",", ":"))
    except ValueError:
        replaced = nonfinite_to_none(value)
        log.error("replaced %d non-finite number(s) by null in live telemetry", replaced)
        return json.dumps(value, allow_nan=False, separators=(",", ":"))


def at_ms(at: float) -> int:
    """An update's ``at`` on the wire: UNIX milliseconds."""
    return int(at * 1000.0)


def _fragment(drone_id: int, seq: int, state_text: str, full: bool, delayed: bool, at: float) -> str:
    flags = (',"full":true' if full else "") + (',"delayed":true' if delayed else "")
    return f'{{"drone":{drone_id},"seq":{seq}{flags},"at":{at_ms(at)},"state":{state_text}}}'


def _fleet_frame(fragments: Iterable[str]) -> str:
    return '{"type":"fleet","updates":[' + ",".join(fragments) + "]}"


class LiveDrone:
    """One drone's latest full state as this process knows it, and its encodings (made when first asked)."""

    __slots__ = ("seq", "at", "state", "_state_text", "_fragment", "_telemetry")

    def __init__(self, seq: int, at: float, state: dict[str, Any]) -> None:
        self.seq, self.at, self.state = seq, at, state
        self._state_text: str | None = None
        self._fragment: str | None = None
        self._telemetry: str | None = None

    @property
    def state_text(self) -> str:
        if self._state_text is None:
            self._state_text = encode(self.state)
        return self._state_text

    def fragment(self, drone_id: int, delayed: bool) -> str:
        if delayed:
            return _fragment(drone_id, self.seq, self.state_text, True, True, self.at)
        if self._fragment is None:
            self._fragment = _fragment(drone_id, self.seq, self.state_text, True, False, self.at)
        return self._fragment

    def telemetry_text(self, drone_id: int, delayed: bool) -> str:
        if delayed:
            return '{"type":"telemetry",' + self.fragment(drone_id, True)[1:]
        if self._telemetry is None:
            self._telemetry = '{"type":"telemetry",' + self.fragment(drone_id, False)[1:]
        return self._telemetry


class Tick:
    """One publication of one bridge: ``parts`` are (drone, seq, state JSON, full, at), encoded once."""

    __slots__ = ("oldest_at", "parts", "drone_ids", "_text")

    def __init__(self, parts: list[tuple[int, int, str, bool, float]]) -> None:
        self.parts = parts
        self.drone_ids = [p[0] for p in parts]
        self.oldest_at = min(p[4] for p in parts)
        self._text: str | None = None

    def text(self, now: float, limit_s: float) -> str:
        """The frame as sent at ``now``: shared while every update is fresh, else with the old ones marked."""
        if now - self.oldest_at <= limit_s:
            if self._text is None:
                self._text = _fleet_frame(_fragment(d, s, t, f, False, at) for d, s, t, f, at in self.parts)
            return self._text
        return _fleet_frame(_fragment(d, s, t, f, now - at > limit_s, at) for d, s, t, f, at in self.parts)


class ViewerFeed:
    """One socket's share of the hub: what it still has to get, and the one task that writes it.

    ``drone_id`` None: the whole fleet (``fleet`` frames); else one drone (``telemetry`` frames).
    Everything this feed sends goes through its task, in order: the snapshot first (``restart``).
    """

    def __init__(self, hub: TelemetryHub, send: Callable[[str], Awaitable[None]], drone_id: int | None) -> None:
        self.hub = hub
        self.drone_id = drone_id
        self._send = send
        self._held = True  # until the first snapshot: nothing may overtake it
        self._first: str | None = None  # a snapshot: before anything else
        self._tick: Tick | None = None  # a whole tick, sent as encoded (the viewer keeps up)
        self._pending: dict[int, None] = {}  # drones whose latest state is owed (the viewer fell behind)
        self._sending = False
        self._wake = asyncio.Event()
        self.frames = 0
        self.superseded = 0  # updates replaced by a newer one of the same drone before they were sent
        self._task = asyncio.create_task(self._run(), name=f"live feed {drone_id or 'fleet'}")

    def restart(self, snapshot_text: str) -> None:
        """Send ``snapshot_text`` next; everything owed before is in it (built from the hub just now)."""
        self._held = False
        self._first = snapshot_text
        self._tick = None
        self._pending.clear()
        self._wake.set()

    def offer(self, tick: Tick) -> None:
        if self.drone_id is not None:
            if self.drone_id in tick.drone_ids:
                self.superseded += self.drone_id in self._pending
                self._pending[self.drone_id] = None
                self._wake.set()
            return
        if self._tick is None and not self._pending and not self._sending and self._first is None and not self._held:
            self._tick = tick
        else:
            if self._tick is not None:  # not written yet: it becomes latest-per-drone, like the rest
                self._pending.update(dict.fromkeys(self._tick.drone_ids))
                self._tick = None
            pending = self._pending
            for drone_id in tick.drone_ids:
                if drone_id in pending:
                    self.superseded += 1
                else:
                    pending[drone_id] = None
        self._wake.set()

    def _next_text(self) -> str | None:
        if self._first is not None:
            text, self._first = self._first, None
            return text
        if self._held:
            return None
        now = self.hub.clock()
        limit_s = self.hub.delayed_after_s
        if self._tick is not None:
            tick, self._tick = self._tick, None
            return tick.text(now, limit_s)
        if not self._pending:
            return None
        drones = self.hub.drones
        owed = [(i, drones[i]) for i in self._pending if i in drones]
        self._pending.clear()
        if self.drone_id is not None:
            if not owed:
                return None
            drone_id, live = owed[0]
            return live.telemetry_text(drone_id, now - live.at > limit_s)
        return _fleet_frame(live.fragment(i, now - live.at > limit_s) for i, live in owed) if owed else None

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while (text := self._next_text()) is not None:
                self._sending = True
                try:
                    await self._send(text)
                except Exception:  # noqa: BLE001 - a socket gone: the consumer detaches this feed
                    log.debug("live feed stopped: its socket is gone", exc_info=True)
                    self.hub.detach(self)
                    return
                finally:
                    self._sending = False
                self.frames += 1

    def close(self) -> None:
        self.hub.detach(self)
        self._task.cancel()


class TelemetryHub:
    """This event loop's live telemetry: the latest state per drone and the viewers to write it to."""

    def __init__(self, *, delayed_after_s: float | None = None, clock: Callable[[], float] | None = None) -> None:
        if delayed_after_s is None:
            delayed_after_s = freshness_delayed_after_s()
        self.delayed_after_s = delayed_after_s
        self.clock = clock or wall_clock()
        self.drones: dict[int, LiveDrone] = {}
        self.feeds: set[ViewerFeed] = set()
        self.source: asyncio.Task | None = None  # the Redis subscription feeding this hub, if any
        self.subscribed = asyncio.Event()  # set while that subscription is listening
        self.ticks = 0

    def publish(self, updates: list[dict[str, Any]], at: float) -> None:
        """One bridge tick: ``updates`` [{"drone", "seq", "state"[, "at"]}] with full states.

        Each update's age counts from its ``at`` (UNIX s: when its position left the vehicle), else
        from the tick's ``at`` (when the bridge published it).
        """
        drones = self.drones
        if not self.feeds:  # nobody to diff for: keep the latest only
            for update in updates:
                drones[update["drone"]] = LiveDrone(update["seq"], update.get("at", at), update["state"])
            return
        parts = []
        for update in updates:
            drone_id, seq, state = update["drone"], update["seq"], update["state"]
            sent_at = update.get("at", at)
            previous = drones.get(drone_id)
            live = drones[drone_id] = LiveDrone(seq, sent_at, state)
            if previous is not None and seq == previous.seq + 1 and len(previous.state) == len(state):
                before = previous.state
                delta = {k: v for k, v in state.items() if k != "seq" and (k not in before or before[k] != v)}
                parts.append((drone_id, seq, encode(delta), False, sent_at))
            else:
                parts.append((drone_id, seq, live.state_text, True, sent_at))
        if not parts:
            return
        self.ticks += 1
        tick = Tick(parts)
        for feed in list(self.feeds):
            feed.offer(tick)

    def publish_text(self, text: str | bytes) -> None:
        """A tick as the bridge sent it over Redis (``tick_text``)."""
        tick = json.loads(text)
        self.publish(tick["updates"], tick["at"])

    def attach(self, send: Callable[[str], Awaitable[None]], drone_id: int | None = None) -> ViewerFeed:
        self._ensure_source()
        feed = ViewerFeed(self, send, drone_id)
        self.feeds.add(feed)
        return feed

    def detach(self, feed: ViewerFeed) -> None:
        self.feeds.discard(feed)

    def times_ms(self, drone_ids: Iterable[int]) -> dict[int, int]:
        """For a snapshot: when each drone's state here left its vehicle (``at``, UNIX ms), where known."""
        drones = self.drones
        return {i: at_ms(drones[i].at) for i in drone_ids if i in drones}

    def states(self, drone_ids: Iterable[int], cached: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
        """A snapshot: each drone's state as this hub knows it, else as ``cached`` (the live cache) has it."""
        out = {}
        for drone_id in drone_ids:
            live = self.drones.get(drone_id)
            if live is not None:
                out[drone_id] = live.state
            elif drone_id in cached:
                out[drone_id] = cached[drone_id]
        return out

    def _ensure_source(self) -> None:
        if not settings.REDIS_URL or (self.source is not None and not self.source.done()):
            return
        from drones.bridge.fanout_redis import telemetry_subscribe

        self.source = asyncio.create_task(telemetry_subscribe(self), name="live telemetry subscription")


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, TelemetryHub] = weakref.WeakKeyDictionary()


def live_hub() -> TelemetryHub:
    """The hub of the running event loop (made on first use)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = TelemetryHub()
    return hub


class LocalTelemetryPublisher:
    """The embedded bridge's side: its ticks go straight into the hub of the loop it runs on."""

    def __init__(self) -> None:
        self.hub = live_hub()

    async def publish(self, updates: list[dict[str, Any]], at: float) -> None:
        self.hub.publish(updates, at)

    async def close(self) -> None:
        pass


def telemetry_publisher() -> Any:
    """Where a bridge publishes live telemetry: Redis when ``REDIS_URL`` is set, else this loop's hub."""
    if settings.REDIS_URL:
        from drones.bridge.fanout_redis import RedisTelemetryPublisher

        return RedisTelemetryPublisher()
    return LocalTelemetryPublisher()


def tick_text(updates: list[dict[str, Any]], at: float) -> str:
    """A tick for the wire (Redis): the updates with full states, and when the bridge published them."""
    return encode({"at": at, "updates": updates})
