"""The telemetry bridge: holds every drone's MAVLink link, publishes live state, persists the track.

One asyncio task per drone (``DroneSession``), plus four shared tasks:
- the publisher: every ``batch_period_s`` (50 ms) it sends each drone whose
  state changed and whose last update is at least 1/``ui_rate_hz`` old: a
  leading-edge throttle, so a change goes out at once unless that drone was
  published less than 200 ms ago (coalescing never adds more than the batch
  period to a quiet drone's latency). "Changed" means more than ``time_s``: a
  heartbeat that changes nothing is not published, else at 4 Hz positions plus
  1 Hz heartbeats it would take the throttle's slot and hold the next position
  back by up to 150 ms. Each gets its next ``seq``; all go out as one tick,
  stamped with the (monotonic-based) UNIX time of publication, to every web
  process's live hub once (``drones.bridge.fanout``: embedded, this loop's hub;
  with Redis, one PUBLISH), never once per viewer over the channel layer, and
  into the cache (``drones.live``) in one batch for pages and snapshots. Events
  go to ``drones.fleet`` on the channel layer;
- the recorder: once a second, a track point per connected drone with a
  position, and the buffered events, written in bulk, off any request; a round the database
  refuses (SQLite busy past its timeout) is kept and written with the next one;
- the command listener: receives ``drone.command`` for the drones it owns;
- the roster: re-reads the fleet every ``reload_s`` to pick up new or removed drones.

Sharding: with ``shards`` > 1, this bridge owns the drones whose id modulo
``shards`` equals ``shard``, so several bridge processes split a large fleet.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import time
from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import close_old_connections

from common.runtime import gc_settle
from drones.bridge.fanout import telemetry_publisher, wall_clock
from drones.bridge.protocol import FLEET_GROUP, command_group, event_message, nonfinite_to_none
from drones.bridge.session import DroneLink, DroneSession
from drones.bridge.tracking import StoredPoint, keep_track_point
from drones.live import alive_states_put_many
from drones.vehicle import Vehicle, VehicleEvent

log = logging.getLogger(__name__)

# Track points kept for the next round when the database refused a write: ten minutes of 100 drones.
UNSAVED_TRACK_MAX = 60_000


def settle_garbage_collector() -> None:
    """Once per process, at start-up (``common.runtime.gc_settle``): telemetry keeps allocating states that
    live a few hundred milliseconds, so a full collection comes every few seconds; with the loaded modules
    frozen it walks only what the bridge made (~30 ms instead of 100-160 ms with the event loop stopped)."""
    gc_settle()


def _load_links(shard: int, shards: int) -> list[DroneLink]:
    from drones.links import drone_speaker
    from drones.models import Drone

    close_old_connections()
    drones = Drone.objects.exclude(status=Drone.Status.RETIRED)
    return [
        DroneLink(d.pk, d.name, d.connection, d.system_id, speaker=drone_speaker(d))
        for d in drones
        if d.pk % shards == shard
    ]


def _load_speaker(drone_id: int):
    """The drone's loudspeaker output as saved now (None: RELAY1, or the drone is gone)."""
    from drones.links import drone_speaker
    from drones.models import Drone

    close_old_connections()
    drone = Drone.objects.filter(pk=drone_id).first()
    return drone_speaker(drone) if drone is not None else None


def _persist(track: list[dict[str, Any]], events: list[tuple[int, VehicleEvent]]) -> None:
    from drones.models import DroneEvent, TrackPoint

    close_old_connections()
    if track:
        TrackPoint.objects.bulk_create([TrackPoint(**row) for row in track], batch_size=500)
    if events:
        created = DroneEvent.objects.bulk_create(
            [
                DroneEvent(
                    drone_id=drone_id,
                    at=dt.datetime.fromtimestamp(e.time_s, tz=dt.UTC),
                    kind=e.kind,
                    severity=e.severity,
                    text=e.text[:200],
                    data=e.data,
                    alert=e.data.get("alert", ""),
                )
                for drone_id, e in events
            ],
            batch_size=500,
        )
        from drones.alerts import alerts_publish

        alerts_publish(row for row in created if row.alert)


def _finite(value: float | None) -> float | None:
    """``value``, or None for NaN and infinities: a stored one made the track unreadable for good."""
    return value if value is None or math.isfinite(value) else None


def _on_earth(lat: float | None, lon: float | None) -> bool:
    """A WGS-84 position worth a track point (the telemetry state already refuses others; this is the last guard)."""
    return lat is not None and lon is not None and -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0


def _unchanged(state: dict[str, Any], published: dict[str, Any] | None) -> bool:
    """Whether ``state`` says nothing new since ``published`` (which also has ``seq``): only ``time_s`` moved."""
    if published is None or len(published) != len(state) + 1:
        return False
    for key, value in state.items():
        if key != "time_s" and (key not in published or published[key] != value):
            return False
    return True


class Bridge:
    def __init__(
        self,
        *,
        shard: int = 0,
        shards: int = 1,
        ui_rate_hz: float = 5.0,
        batch_period_s: float = 0.05,
        track_period_s: float = 1.0,
        heartbeat_timeout_s: float = 3.0,
        gcs_heartbeat_s: float | None = None,
        reload_s: float = 30.0,
        vehicle_factory: Callable[..., Vehicle] | None = None,
        persist: bool = True,
        track_parked_s: float | None = None,
    ) -> None:
        if not 0 <= shard < shards:
            raise ValueError(f"shard {shard} is not in 0..{shards - 1}")
        if vehicle_factory is None:
            from drones.links import open_vehicle as vehicle_factory
        self.shard, self.shards = shard, shards
        self.ui_period_s = 1.0 / ui_rate_hz
        self.batch_period_s = min(batch_period_s, self.ui_period_s)
        self.track_period_s = track_period_s
        self.heartbeat_timeout_s = heartbeat_timeout_s
        if gcs_heartbeat_s is None:
            from django.conf import settings

            gcs_heartbeat_s = getattr(settings, "DRONE_GCS_HEARTBEAT_S", 1.0)
        self.gcs_heartbeat_s = gcs_heartbeat_s
        self.reload_s = reload_s
        self.vehicle_factory = vehicle_factory
        self.persist = persist
        if track_parked_s is None:
            from django.conf import settings

            track_parked_s = getattr(settings, "DRONE_TRACK_PARKED_S", 60.0)
        self.track_parked_s = track_parked_s
        self._stored: dict[int, StoredPoint] = {}  # the last track point kept per drone (drones.bridge.tracking)
        self.sessions: dict[int, DroneSession] = {}
        self._session_tasks: dict[int, asyncio.Task] = {}
        self._events: list[tuple[int, VehicleEvent]] = []
        self._unsaved_track: list[dict[str, Any]] = []
        self._pending_events: list[tuple[int, VehicleEvent]] = []
        self._tasks: list[asyncio.Task] = []
        self._channel: str | None = None
        self.layer = get_channel_layer()
        self.telemetry: Any = None  # drones.bridge.fanout.telemetry_publisher(), made on the bridge's loop
        self.clock = wall_clock()
        self.published = 0
        self.started = asyncio.Event()

    # --- lifecycle ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Run until cancelled."""
        settle_garbage_collector()
        self._channel = await self.layer.new_channel()
        self.telemetry = telemetry_publisher()
        await self._sync_roster()
        self._tasks = [
            asyncio.create_task(self._publisher(), name="bridge publisher"),
            asyncio.create_task(self._recorder(), name="bridge recorder"),
            asyncio.create_task(self._command_listener(), name="bridge commands"),
            asyncio.create_task(self._roster(), name="bridge roster"),
        ]
        self.started.set()
        log.info("drone bridge shard %d/%d running with %d drone(s)", self.shard, self.shards, len(self.sessions))
        try:
            await asyncio.gather(*self._tasks)
        finally:
            await self.stop()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for session in self.sessions.values():
            session.stop()
        tasks = list(self._session_tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, *tasks, return_exceptions=True)
        self._tasks = []
        if self.telemetry is not None:
            await self.telemetry.close()
            self.telemetry = None
        if self.persist:
            await self._record(final=True)

    async def _roster(self) -> None:
        while True:
            await asyncio.sleep(self.reload_s)
            try:
                await self._sync_roster()
            except Exception:  # noqa: BLE001 - a database hiccup must not stop the bridge; retry next round
                log.exception("reloading the fleet failed")

    async def _sync_roster(self) -> None:
        links = {link.drone_id: link for link in await sync_to_async(_load_links)(self.shard, self.shards)}
        for drone_id in list(self.sessions):
            if drone_id not in links or links[drone_id] != self.sessions[drone_id].link:
                await self._drop(drone_id)
            else:
                self.sessions[drone_id].speaker_set(links[drone_id].speaker)
        for drone_id, link in links.items():
            if drone_id not in self.sessions:
                await self._add(link)

    async def _add(self, link: DroneLink) -> None:
        session = DroneSession(
            link,
            vehicle_factory=self.vehicle_factory,
            on_event=self._on_event,
            on_flight=self._on_flight if self.persist else None,
            heartbeat_timeout_s=self.heartbeat_timeout_s,
            gcs_heartbeat_s=self.gcs_heartbeat_s,
        )
        self.sessions[link.drone_id] = session
        self._session_tasks[link.drone_id] = asyncio.create_task(
            self._supervise(session), name=f"drone {link.drone_id}"
        )
        if self._channel:
            await self.layer.group_add(command_group(link.drone_id), self._channel)

    async def _drop(self, drone_id: int) -> None:
        session = self.sessions.pop(drone_id)
        session.stop()
        task = self._session_tasks.pop(drone_id)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        if self._channel:
            await self.layer.group_discard(command_group(drone_id), self._channel)

    async def _supervise(self, session: DroneSession) -> None:
        """Restart a session that failed unexpectedly: one drone's bug must not stop the others."""
        while True:
            try:
                await session.run()
                return
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - logged and restarted after a pause
                log.exception("drone %s session crashed; restarting", session.drone_id)
                session.status, session.error, session.dirty = "offline", "internal error; restarting", True
                await asyncio.sleep(5.0)

    # --- publishing --------------------------------------------------------------------------

    async def _on_flight(self, flight_id: int, kind: str, data: dict[str, Any]) -> None:
        from drones.missions.flights import flight_report_apply

        if kind in ("started", "landed"):
            # The flight's statistics time it by these reports' vehicle clock: store them before they are read.
            await self._flush_events()
        try:
            await sync_to_async(flight_report_apply)(flight_id=flight_id, kind=kind, data=data)
        except Exception:  # noqa: BLE001 - the flight goes on; its record catches up with the next report
            log.exception("recording flight %s (%s) failed", flight_id, kind)

    def _on_event(self, drone_id: int, event: VehicleEvent) -> None:
        self._events.append((drone_id, event))
        self._pending_events.append((drone_id, event))

    async def _publisher(self) -> None:
        while True:
            started = time.monotonic()
            try:
                await self.publish_once()
            except Exception:  # noqa: BLE001 - a channel layer hiccup loses one tick, not the bridge
                log.exception("publishing telemetry failed")
            await asyncio.sleep(max(0.0, self.batch_period_s - (time.monotonic() - started)))

    async def publish_once(self) -> None:
        events, self._pending_events = self._pending_events, []
        for drone_id, event in events:
            try:
                message = event_message(
                    drone_id,
                    {
                        "t": event.time_s,
                        "kind": event.kind,
                        "text": event.text,
                        "severity": event.severity,
                        "data": event.data,
                    },
                )
            except (TypeError, ValueError):  # one event that cannot be JSON must not hold back telemetry
                log.exception("drone %s event %s cannot be published", drone_id, event.kind)
                continue
            await self.layer.group_send(FLEET_GROUP, message)
        now = time.monotonic()
        wall_now = self.clock()
        ui_period_s = self.ui_period_s
        updates = []
        states = {}
        for session in self.sessions.values():
            if not session.dirty or now - session.published_at < ui_period_s:
                continue
            session.dirty = False
            state = session.state()
            previous = session.published_state
            if _unchanged(state, previous):
                continue  # e.g. a heartbeat: news to nobody, and it would hold back the next position
            session.published_state = state
            session.published_at = now
            session.seq += 1
            state["seq"] = session.seq
            states[session.drone_id] = state
            # "at": when a new position left the vehicle (drones.bridge.freshness), else now: its age decides "delayed".
            vehicle_ms = state.get("vehicle_time_ms")
            at = wall_now
            if vehicle_ms is not None and (previous is None or previous.get("vehicle_time_ms") != vehicle_ms):
                at = min(wall_now, session.position_clock.sent_at(vehicle_ms, state["time_s"]))
            updates.append({"drone": session.drone_id, "seq": session.seq, "state": state, "at": at})
        if not updates:
            return
        replaced = nonfinite_to_none(updates)  # checked where they enter, so a bug elsewhere: null, not NaN
        if replaced:
            log.error("replaced %d non-finite number(s) by null in published telemetry", replaced)
        if self.telemetry is None:
            self.telemetry = telemetry_publisher()
        # Viewers first: the cache is for pages and snapshots, which the hub's own state precedes.
        await self.telemetry.publish(updates, wall_now)
        await alive_states_put_many(states)
        self.published += len(updates)

    # --- recording ---------------------------------------------------------------------------

    async def _recorder(self) -> None:
        while True:
            await asyncio.sleep(self.track_period_s)
            if self.persist:
                try:
                    await self._record()
                except Exception:  # noqa: BLE001 - keep flying; the next second tries again
                    log.exception("persisting track points failed")

    async def _flush_events(self) -> None:
        events, self._events = self._events, []
        if events:
            try:
                await sync_to_async(_persist)([], events)
            except Exception:  # noqa: BLE001 - the recorder tries them again on its next round
                log.exception("persisting %d event(s) failed", len(events))
                self._events = events + self._events

    def _keep(self, drone_id: int, now: dt.datetime, t) -> bool:
        """Whether this second's state becomes a track point (a parked drone's only now and then)."""
        at_s = now.timestamp()
        keep = keep_track_point(
            self._stored.get(drone_id),
            at_s=at_s,
            lat=t.lat,
            lon=t.lon,
            armed=bool(t.armed),
            groundspeed_mps=_finite(t.groundspeed_mps),
            parked_period_s=self.track_parked_s,
        )
        if keep:
            self._stored[drone_id] = StoredPoint(at_s, t.lat, t.lon, bool(t.armed))
        return keep

    async def _record(self, final: bool = False) -> None:
        now = dt.datetime.now(tz=dt.UTC)
        track = []
        if not final:
            for session in self.sessions.values():
                t = session.latest
                if t.link_ok and _on_earth(t.lat, t.lon) and self._keep(session.drone_id, now, t):
                    track.append(
                        {
                            "drone_id": session.drone_id,
                            "at": now,
                            "lat": t.lat,
                            "lon": t.lon,
                            "alt_rel_m": _finite(t.alt_rel_m),
                            "alt_msl_m": _finite(t.alt_msl_m),
                            "heading_deg": _finite(t.heading_deg),
                            "groundspeed_mps": _finite(t.groundspeed_mps),
                            "climb_mps": _finite(t.climb_mps),
                            "battery_pct": t.battery_pct,
                            "battery_v": _finite(t.battery_v),
                            "mode": t.mode,
                            "armed": t.armed,
                            "mission_seq": t.mission_seq,
                            "speaker_on": t.relay_on,
                        }
                    )
        # Points not yet stored (the database was busy) go first; bounded, so an outage cannot eat memory.
        track = (self._unsaved_track + track)[-UNSAVED_TRACK_MAX:]
        self._unsaved_track = []
        events, self._events = self._events, []
        if track or events:
            try:
                await sync_to_async(_persist)(track, events)
            except Exception:
                self._unsaved_track = track
                self._events = events + self._events
                raise

    # --- commands ----------------------------------------------------------------------------

    async def _command_listener(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self._channel)
            except Exception:  # noqa: BLE001 - a channel layer error must not stop telemetry; retry
                log.exception("receiving commands failed; retrying in 1 s")
                await asyncio.sleep(1.0)
                continue
            if message.get("type") != "drone.command":
                continue
            asyncio.create_task(self._answer(message), name=f"command {message.get('command')}")

    async def _answer(self, message: dict[str, Any]) -> None:
        session = self.sessions.get(message.get("drone"))
        if session is None:
            reply = {"ok": False, "error": {"code": "not_owned", "message": "this bridge does not own that drone"}}
        else:
            try:
                if message.get("command") == "mission_run":  # a drone edited just before its flight flies as edited
                    session.speaker_set(await sync_to_async(_load_speaker)(session.drone_id))
                reply = await session.command(str(message.get("command")), dict(message.get("args") or {}))
            except Exception as exc:  # noqa: BLE001 - any failure is answered, never left to time out
                log.exception("command %s failed", message.get("command"))
                reply = {"ok": False, "error": {"code": "internal", "message": f"bridge error: {exc}"}}
        reply.update({"type": "drone.command.result", "request_id": message.get("request_id")})
        await self.layer.send(message["reply_to"], reply)
