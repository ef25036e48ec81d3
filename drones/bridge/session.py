"""One drone's life in the bridge: connect with back-off, follow telemetry and events, run commands.

A session never raises out of ``run()``: a refused connection, a vehicle that
never answers, garbage on the link or a dropped link all become a visible state
(``link_ok`` false with the reason) and an event, and the session tries again
with exponential back-off (1 s doubling to 30 s).

Another ground station on the vehicle's only link is not a failure of the link. ArduCopter
(SITL's TCP port, and the project's simulator) serves one ground station at a time: a second
one's connect is accepted, then nothing is read or sent until the first leaves. A TCP connect
that is accepted but hears not a byte is therefore reported once as ``other_gcs`` (status
``other_gcs``: "another ground station is connected to <drone>"), and the session waits in the
vehicle's queue, connection after connection, without disturbing the other station; it is
served, and says so, as soon as the other one leaves. A ground station sharing the link (its
HEARTBEATs arrive with the vehicle's) is reported by the link, once per station.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from drones.bridge.freshness import PositionClock
from drones.vehicle import CommandTimeout, LinkLost, NotReady, Telemetry, Vehicle, VehicleError, VehicleEvent

if TYPE_CHECKING:
    from drones.missions.speaker import SpeakerConfig

from drones.links import watch_speaker

log = logging.getLogger(__name__)

TELEMETRY_FIELDS = tuple(f.name for f in fields(Telemetry))
BACKOFF_START_S = 1.0
BACKOFF_MAX_S = 30.0
OTHER_GCS_RETRY_S = 1.0  # between waits in the vehicle's queue; each lasts connect_timeout_s


@dataclass(frozen=True)
class DroneLink:
    """What the bridge needs to know about a drone (read once from the database)."""

    drone_id: int
    name: str
    connection: str
    system_id: int
    # Where the loudspeaker hangs (None: RELAY1). Not part of equality: a change needs no reconnect
    # (``DroneSession.speaker_set``).
    speaker: SpeakerConfig | None = field(default=None, compare=False)


class DroneSession:
    def __init__(
        self,
        link: DroneLink,
        *,
        vehicle_factory: Callable[..., Vehicle],
        on_event: Callable[[int, VehicleEvent], None],
        on_flight: Callable[[int, str, dict[str, Any]], Awaitable[None]] | None = None,
        heartbeat_timeout_s: float = 3.0,
        gcs_heartbeat_s: float = 1.0,
        connect_timeout_s: float = 10.0,
    ) -> None:
        self.link = link
        self.vehicle_factory = vehicle_factory
        self.on_event = on_event
        self.on_flight = on_flight
        self.mission_task: asyncio.Task | None = None
        self.flight_id: int | None = None
        self.heartbeat_timeout_s = heartbeat_timeout_s
        self.gcs_heartbeat_s = gcs_heartbeat_s  # the GCS HEARTBEAT period of the links it opens
        self.connect_timeout_s = connect_timeout_s
        self.vehicle: Vehicle | None = None
        self.latest: Telemetry = Telemetry(time_s=time.time())
        self.status = "connecting"  # connecting, connected, offline, other_gcs
        self.error = ""
        self.seq = 0
        self.dirty = True
        self.published_at = float("-inf")  # time.monotonic() of the last publication
        self.published_state: dict[str, Any] | None = None  # what it published (read-only)
        self.position_clock = PositionClock()  # when its positions left the vehicle (drones.bridge.freshness)
        self._stopping = False
        self._other_gcs_reported = False
        self._stop_event = asyncio.Event()
        self._command_lock = asyncio.Lock()
        from drones.alerts import AlertWatch  # imports the models: only once the apps are ready

        self.alerts = AlertWatch()  # tells the modes this session asked for from those nobody asked for

    @property
    def drone_id(self) -> int:
        return self.link.drone_id

    def state(self) -> dict[str, Any]:
        """The published state: telemetry plus the session's link status."""
        latest = self.latest
        # Telemetry.as_dict() is dataclasses.asdict(), which deep-copies field by field; every field
        # is a scalar, so a plain read gives the same dict five times faster (800 states a second).
        data = {name: getattr(latest, name) for name in TELEMETRY_FIELDS}
        data["status"] = self.status
        data["error"] = self.error
        return data

    def _set_status(self, status: str, error: str = "") -> None:
        if (status, error) != (self.status, self.error):
            self.status, self.error = status, error
            self.dirty = True

    async def run(self) -> None:
        backoff = BACKOFF_START_S
        last_failure = ""
        while not self._stopping:
            try:
                vehicle = self.vehicle_factory(
                    self.link.connection,
                    system_id=self.link.system_id,
                    heartbeat_timeout_s=self.heartbeat_timeout_s,
                    gcs_heartbeat_period_s=self.gcs_heartbeat_s,
                )
                if self.link.speaker is not None:
                    watch_speaker(vehicle, self.link.speaker)
            except Exception as exc:  # noqa: BLE001 - a configuration error (bad backend) shows on the drone
                if str(exc) != last_failure:
                    last_failure = str(exc)
                    self.on_event(
                        self.drone_id, VehicleEvent(time.time(), "link_lost", f"Cannot open the link: {exc}", 3)
                    )
                self._set_status("offline", f"cannot open the link: {exc}")
                await self._sleep(BACKOFF_MAX_S)
                continue
            try:
                await vehicle.connect(timeout_s=self.connect_timeout_s)
            except VehicleError as exc:
                if _served_elsewhere(vehicle):
                    self._other_gcs_waiting()
                    await self._sleep(OTHER_GCS_RETRY_S)
                    continue
                if str(exc) != last_failure:  # one event per distinct failure, not one per retry
                    last_failure = str(exc)
                    self.on_event(self.drone_id, VehicleEvent(time.time(), "link_lost", f"Cannot connect: {exc}", 3))
                self.latest = Telemetry(time_s=time.time())
                self._set_status("offline", str(exc))
                await self._sleep(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX_S)
                continue
            except asyncio.CancelledError:
                await vehicle.close()
                raise
            backoff = BACKOFF_START_S
            if self._other_gcs_reported:
                text = f"Connected to {self.link.name}: the other ground station has left"
                self.on_event(self.drone_id, VehicleEvent(time.time(), "link_restored", text, 5))
            elif last_failure:
                self.on_event(self.drone_id, VehicleEvent(time.time(), "link_restored", "Connected", 5))
            last_failure = ""
            self._other_gcs_reported = False
            self.vehicle = vehicle
            self._set_status("connected")
            try:
                await self._follow(vehicle)
            finally:
                self.vehicle = None
                await vehicle.close()
            if not self._stopping:
                self.latest = Telemetry(
                    time_s=time.time(),
                    **{k: v for k, v in self.latest.as_dict().items() if k not in ("time_s", "link_ok")},
                )
                self._set_status("offline", "connection closed")
                await self._sleep(backoff)

    def speaker_set(self, speaker: SpeakerConfig | None) -> None:
        """Read the loudspeaker from ``speaker``'s output from now on (the drone was edited), link kept."""
        if speaker == self.link.speaker:
            return
        self.link = replace(self.link, speaker=speaker)
        if self.vehicle is not None:
            watch_speaker(self.vehicle, speaker)

    def _other_gcs_waiting(self) -> None:
        """Another ground station holds the vehicle's link: say so once, and show it as the state."""
        if not self._other_gcs_reported:
            self._other_gcs_reported = True
            text = (
                f"Another ground station is connected to {self.link.name}: the vehicle accepts the connection "
                "but sends nothing, as ArduCopter does while it serves another; waiting for it to leave"
            )
            self.on_event(
                self.drone_id,
                VehicleEvent(time.time(), "other_gcs", text, 4, {"connection": self.link.connection}),
            )
        self.latest = Telemetry(time_s=time.time())
        self._set_status("other_gcs", f"another ground station is connected to {self.link.name}")

    async def _follow(self, vehicle: Vehicle) -> None:
        """Consume telemetry and events until the link closes."""
        events = asyncio.create_task(self._forward_events(vehicle), name=f"events drone {self.drone_id}")
        try:
            async for snapshot in vehicle.updates():
                self.latest = snapshot
                self.dirty = True
        finally:
            events.cancel()
            try:
                await events
            except asyncio.CancelledError:
                pass

    async def _forward_events(self, vehicle: Vehicle) -> None:
        async for event in vehicle.events():
            self.on_event(self.drone_id, self.alerts.mark(event, armed=self.latest.armed))

    async def _sleep(self, seconds: float) -> None:
        """Wait ``seconds``, or less if the session is stopped meanwhile."""
        try:
            await asyncio.wait_for(self._stop_event.wait(), seconds)
        except TimeoutError:
            pass

    def stop(self) -> None:
        self._stopping = True
        self._stop_event.set()

    # --- commands ----------------------------------------------------------------------------

    async def command(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        """Run one operator command; the reply says what happened. One command at a time per drone."""
        if name == "mission_state":  # asked before cancelling a flight stuck in 'starting'; needs no link
            active = self.mission_active
            return {"ok": True, "result": {"active": active, "flight": self.flight_id if active else None}}
        vehicle = self.vehicle
        self.alerts.note_command(name, args)
        if vehicle is None or not self.latest.link_ok:
            return _error(LinkLost(f"no link to {self.link.name}: {self.error or 'not connected'}"))
        if name == "mission_run":
            return await self._mission_run(vehicle, args)
        handler = COMMANDS.get(name)
        if handler is None:
            return {"ok": False, "error": {"code": "invalid", "message": f"unknown command {name!r}"}}
        if name in MISSION_BLOCKED and self.mission_active:
            return {
                "ok": False,
                "error": {
                    "code": "mission_active",
                    "message": (
                        f"{self.link.name} is flying mission flight {self.flight_id}: "
                        "pause it, land or return home first"
                    ),
                },
            }
        async with self._command_lock:
            try:
                result = await handler(vehicle, args)
            except VehicleError as exc:
                return _error(exc)
        reply = {"ok": True, "telemetry": vehicle.telemetry().as_dict()}
        if result is not None:
            reply["result"] = result
        return reply

    # --- missions ----------------------------------------------------------------------------

    @property
    def mission_active(self) -> bool:
        return self.mission_task is not None and not self.mission_task.done()

    async def _mission_run(self, vehicle: Vehicle, args: dict[str, Any]) -> dict[str, Any]:
        """Upload, verify, arm and start a flight's mission; then follow it in the background."""
        from drones.missions.execution import MissionRun, plan_from_wire

        flight_id = int(args["flight"])
        if self.mission_active:
            return {
                "ok": False,
                "error": {
                    "code": "mission_active",
                    "message": (f"{self.link.name} is already flying mission flight {self.flight_id}"),
                },
            }

        async def report(kind: str, **data: Any) -> None:
            if kind in ("started", "landed"):
                # The vehicle's clock, so the flight log times the flight as the vehicle does (any speed-up).
                data.setdefault("vehicle_time_ms", vehicle.telemetry().vehicle_time_ms)
            text = _mission_text(kind, data)
            severity = 3 if kind in ("failed", "unsafe") else 5 if kind in ("started", "landed", "safe") else 6
            if kind != "progress" or data.get("seq") != getattr(report, "last_seq", None):
                self.on_event(
                    self.drone_id,
                    VehicleEvent(time.time(), "mission", text, severity, {"flight": flight_id, "report": kind, **data}),
                )
            report.last_seq = data.get("seq")
            if self.on_flight is not None:
                await self.on_flight(flight_id, kind, data)

        run = MissionRun(vehicle, plan_from_wire(args["plan"]), report=report)
        async with self._command_lock:
            try:
                await run.start()
            except VehicleError as exc:
                return _error(exc)
        self.flight_id = flight_id
        self.mission_task = asyncio.create_task(self._follow_mission(run), name=f"flight {flight_id}")
        return {"ok": True, "telemetry": vehicle.telemetry().as_dict(), "result": {"flight": flight_id}}

    async def _follow_mission(self, run) -> None:
        try:
            await run.follow()
        except VehicleError as exc:
            log.warning("flight %s: following failed: %s", self.flight_id, exc)
            await run.report("failed", step="follow", error=exc.message, code=exc.code)


def _served_elsewhere(vehicle: Vehicle) -> bool:
    """Whether a failed connect reached a TCP port that accepted it and then sent nothing at all.

    ArduCopter sends a HEARTBEAT every second (SITL prints its console banner first) to the
    ground station it serves; silence on an accepted connection means it serves another one.
    """
    link = getattr(vehicle, "link", None)
    return (
        link is not None
        and getattr(link, "opened", False) is True
        and getattr(link, "bytes_received", None) == 0
        and str(getattr(link, "connection", "")).startswith("tcp:")
    )


def _error(exc: VehicleError) -> dict[str, Any]:
    return {"ok": False, "error": {"code": exc.code, "message": exc.message, **exc.details}}


async def _takeoff(vehicle: Vehicle, args: dict[str, Any]) -> None:
    """GUIDED, arm, climb to ``alt_m``. If the climb is refused after arming, disarm: never leave
    a vehicle armed and idle on the ground."""
    alt_m = float(args["alt_m"])
    state = vehicle.telemetry()
    if not state.armed:
        if not (state.ekf_ok and state.gps_fix >= 3):
            raise NotReady(
                "not ready to fly: "
                + ", ".join(
                    x
                    for x, bad in (("EKF not ready", not state.ekf_ok), (f"GPS fix {state.gps_fix}", state.gps_fix < 3))
                    if bad
                )
            )
        await vehicle.set_mode("GUIDED")
        await vehicle.arm()
    try:
        await vehicle.takeoff(alt_m)
    except VehicleError:
        if vehicle.telemetry().alt_rel_m is not None and vehicle.telemetry().alt_rel_m < 0.5:
            try:
                await vehicle.disarm()
            except VehicleError:
                log.warning("could not disarm after a failed take-off")
        raise


async def _mode(vehicle: Vehicle, args: dict[str, Any]) -> None:
    await vehicle.set_mode(str(args["mode"]))


async def _goto(vehicle: Vehicle, args: dict[str, Any]) -> None:
    await vehicle.goto(float(args["lat"]), float(args["lon"]), float(args["alt_m"]))


async def _read_params(vehicle: Vehicle, args: dict[str, Any]) -> dict[str, Any]:
    """{"params": {name: value, or None when the vehicle has no such parameter}}."""
    values: dict[str, float | None] = {}
    for name in args.get("names", []):
        try:
            values[name] = await vehicle.get_param(str(name))
        except CommandTimeout:
            values[name] = None
    return {"params": values}


async def _set_params(vehicle: Vehicle, args: dict[str, Any]) -> dict[str, Any]:
    """Set each parameter in turn; the vehicle's echo of each is returned. Stops at the first refusal."""
    echoed = {}
    for name, value in dict(args.get("values", {})).items():
        echoed[name] = await vehicle.set_param(str(name), float(value))
    return {"params": echoed}


def _mission_text(kind: str, data: dict[str, Any]) -> str:
    if kind == "step":
        return f"Mission: {data.get('step')}"
    if kind == "started":
        return "Mission started (AUTO)"
    if kind == "progress":
        return f"Mission item {data.get('seq')}, {data.get('remaining_m')} m to go"
    if kind == "landed":
        return f"Mission over: landed, items reached {data.get('reached')}"
    if kind == "failed":
        return f"Mission failed at {data.get('step')}: {data.get('error')}"
    if kind == "safe":
        return f"Vehicle made safe: {data.get('action')}"
    if kind == "unsafe":
        return f"Could not make the vehicle safe: {data.get('error')}"
    return f"Mission: {kind}"


COMMANDS: dict[str, Callable] = {
    "arm": lambda v, a: v.arm(),
    "disarm": lambda v, a: v.disarm(),
    "takeoff": _takeoff,
    "land": lambda v, a: v.land(),
    "rtl": lambda v, a: v.return_to_launch(),
    "mode": _mode,
    "goto": _goto,
    "pause": lambda v, a: v.pause(),
    "resume": lambda v, a: v.resume(),
    "read_params": _read_params,
    "set_params": _set_params,
}
# Commands refused while a mission flies (pause, resume, RTL, land and modes stay available).
MISSION_BLOCKED = {"arm", "takeoff", "goto", "set_params"}
