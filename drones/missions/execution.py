"""Flying a mission on a ``Vehicle``: upload and verify, arm, AUTO, follow it to the ground.

``MissionRun`` is what the telemetry bridge runs for a flight. It speaks only
the ``drones.vehicle.Vehicle`` interface. Steps, in order:

1. refuse if the vehicle is armed or flying (another flight owns it);
2. upload the fence (inclusion + exclusion polygons) and the rally points, read
   each back and compare, so the autopilot enforces them on board;
3. upload the mission and read it back, compared as ArduCopter means it
   (``items_match``);
4. GUIDED, make the first NAV item current (ArduCopter resumes an interrupted
   mission otherwise) and check it took, arm, AUTO + MISSION_START, and check
   the vehicle starts at that item;
5. follow progress (current item, reached items, loudspeaker, ETA) and what
   interrupts the flight (fence breach, failsafe, link loss: ``interrupted``
   reports) until the vehicle has landed and disarmed; the ``landed`` report
   says whether the mission completed (see ``MissionRun``).

A failed step stops the sequence and leaves the vehicle safe: disarmed if it
is still on the ground, RTL if it is in the air. Every step is reported
through ``report(kind, **data)``; the bridge turns reports into flight
updates and events.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from common.geo import haversine_m
from drones.mavlink.messaging import failsafe_cleared
from drones.mavlink.mission import item_difference
from drones.vehicle import MissionItem, MissionTransferFailed, MissionType, Vehicle, VehicleError

log = logging.getLogger(__name__)

NAV_COMMANDS = {16, 17, 18, 19, 20, 21, 22, 82, 84, 85, 93, 94}  # items that move (or hold) the vehicle
_GLOBAL_FRAMES = {0, 3, 5, 6, 10, 11}


class MissionAborted(VehicleError):
    code = "mission_failed"


@dataclass
class FlightPlan:
    """Everything uploaded for one flight. Items are ``MissionItem``s; item 0 of ``mission`` is home."""

    mission: list[MissionItem]
    fence: list[MissionItem] = field(default_factory=list)
    rally: list[MissionItem] = field(default_factory=list)
    speed_mps: float = 8.0


Report = Callable[..., Awaitable[None]]


def items_match(sent: Sequence[MissionItem], got: Sequence[MissionItem], *, mission: bool) -> str | None:
    """Why the downloaded items differ from the uploaded ones, or None if they match.

    Compared as ArduCopter means them (``drones.mavlink.mission.item_difference``): it
    replaces mission item 0 with its home, keeps only some parameters of each command
    (NAV_LOITER_TIME's direction comes back as 1, its time in whole seconds), reports
    *_INT frames as their float twins and items without a position with frame 0. A real
    difference (another position, altitude, hold time, relay, speed) is named:
    ``item 4: loiter time s (param1) 12 on the vehicle, 10 sent``.
    """
    if len(sent) != len(got):
        return f"the vehicle holds {len(got)} items, {len(sent)} were sent"
    for seq, (a, b) in enumerate(zip(sent, got, strict=True)):
        if mission and seq == 0:
            continue
        problem = item_difference(a, b)
        if problem:
            return f"item {seq}: {problem}"
    return None


def remaining_route_m(
    items: Sequence[MissionItem], current_seq: int | None, lat: float | None, lon: float | None
) -> float:
    """Horizontal metres still to fly: from the vehicle to the current item, then item to item."""
    points = [
        (i.x, i.y)
        for seq, i in enumerate(items)
        if seq
        and i.command in NAV_COMMANDS
        and i.frame in _GLOBAL_FRAMES
        and (i.x or i.y)
        and (current_seq is None or seq >= current_seq)
    ]
    if not points:
        return 0.0
    total = 0.0
    if lat is not None and lon is not None:
        total += haversine_m(lat, lon, *points[0])
    for (a_lat, a_lon), (b_lat, b_lon) in zip(points, points[1:], strict=False):
        total += haversine_m(a_lat, a_lon, b_lat, b_lon)
    return total


# MissionRun "interrupted" causes, named as ``Flight.Outcome`` values.
FAILSAFE_CAUSES = {"gcs": "gcs_failsafe", "battery": "battery_failsafe"}
_LANDING_COMMANDS = {20, 21}  # RTL, LAND: ArduCopter reports them reached only at touchdown


def is_nav_command(command: int) -> bool:
    """A NAV item (AP_Mission::is_nav_cmd): it moves or holds the vehicle and MISSION_CURRENT points at it."""
    return command <= 95 or command == 213


def event_cause(kind: str, data: dict[str, Any]) -> str | None:
    """What a vehicle event says ended (or may end) a mission, as a ``Flight.Outcome`` value."""
    if kind == "fence":
        return "fence"
    if kind == "failsafe":
        if data.get("failsafe") == "fence":
            return "fence"
        return FAILSAFE_CAUSES.get(str(data.get("failsafe")), "other")
    if kind == "link_lost":
        return "link_lost"
    return None


def link_loss_failsafe(kind: str, data: dict[str, Any], text: str, causes: Sequence[str]) -> tuple[str, str] | None:
    """(cause, detail) for a failsafe whose own STATUSTEXT was lost with the link, else None.

    During a link loss ArduCopter's GCS failsafe sends ``GCS Failsafe`` while nothing reaches the
    ground station; what does arrive afterwards is ``GCS Failsafe Cleared`` (once it hears the
    ground station again), maybe after a CRITICAL heartbeat, which ``FailsafeNamer`` names by that
    text (``named_by``). Either proves which failsafe ended the flight. ``causes``: the flight's
    causes so far; only after a ``link_lost`` one, and not for a failsafe already recorded.
    """
    if "link_lost" not in causes:
        return None
    if kind == "statustext":
        name = failsafe_cleared(text)
    elif kind == "failsafe" and data.get("named_by"):
        name = str(data.get("failsafe"))
    else:
        return None
    cause = FAILSAFE_CAUSES.get(name or "")
    if cause is None or cause in causes:
        return None
    said = "GCS Failsafe" if name == "gcs" else f"{name.capitalize()} Failsafe"
    named_by = data.get("named_by") or text
    return cause, f"{said}: its text was lost with the link; “{named_by}” came once it was back"


class MissionStartedElsewhere(VehicleError):
    """AUTO began at another item than the mission's first (an interrupted mission resumed)."""

    code = "mission_start_item"


class MissionRun:
    """One flight on one vehicle: ``await start()`` (upload, verify, arm, AUTO), then ``await follow()``.

    Progress is judged the way ArduCopter reports it. MISSION_ITEM_REACHED is not enough:
    ArduCopter keeps one pending reached number and a DO item it completes at once
    (DO_CHANGE_SPEED, DO_SET_HOME...) overwrites the NAV item before it, which is then
    never reported (``mode_auto.cpp`` ``verify_command``). So an item counts as reached
    when MISSION_ITEM_REACHED names it or when MISSION_CURRENT moves past it in AUTO;
    the mission is complete when its last NAV item is reached, or when the vehicle lands
    and disarms in AUTO on its last item (a final RTL/LAND).
    """

    def __init__(self, vehicle: Vehicle, plan: FlightPlan, *, report: Report, landed_timeout_s: float = 3600):
        self.vehicle = vehicle
        self.plan = plan
        self.report = report
        self.landed_timeout_s = landed_timeout_s
        self.step = "start"
        self.nav_items = [seq for seq, item in enumerate(plan.mission) if seq and is_nav_command(item.command)]
        self.reported_reached: set[int] = set()  # MISSION_ITEM_REACHED seqs (DO items included)
        self.passed: set[int] = set()  # NAV items MISSION_CURRENT moved past in AUTO
        self.highest_seq = 0  # the highest MISSION_CURRENT.seq seen in AUTO while armed
        self.causes: list[str] = []  # what interrupted the flight, in order (Flight.Outcome values)
        self._last_auto_seq: int | None = None
        self._watch_task: asyncio.Task | None = None

    @property
    def reached(self) -> list[int]:
        """NAV items reached, in mission order: MISSION_ITEM_REACHED and MISSION_CURRENT progression."""
        nav = set(self.nav_items)
        return sorted((self.reported_reached & nav) | self.passed)

    def completed(self, landed_mode: str) -> bool:
        """Whether the mission ran to its end (see the class docstring)."""
        if not self.nav_items:
            return False
        last = self.nav_items[-1]
        if last in self.reached:
            return True
        return (
            self.highest_seq >= last and landed_mode == "AUTO" and self.plan.mission[last].command in _LANDING_COMMANDS
        )

    def note_progress(self, seq: int | None, mode: str, armed: bool) -> None:
        """One MISSION_CURRENT reading: NAV items it moved past (forward, in AUTO, armed) count as reached."""
        if seq is None or not armed or mode != "AUTO":
            return
        previous = self._last_auto_seq
        if previous is not None and seq > previous:
            self.passed.update(s for s in self.nav_items if previous <= s < seq)
        self._last_auto_seq = seq
        self.highest_seq = max(self.highest_seq, seq)

    async def _watch_events(self) -> None:
        """MISSION_ITEM_REACHED (the final RTL item arrives at landing) and what interrupts the flight."""
        async for event in self.vehicle.events():
            if event.kind == "reached":
                seq = int(event.data.get("seq", -1))
                if seq > 0:
                    self.reported_reached.add(seq)
                continue
            cause, text = event_cause(event.kind, event.data), event.text
            during_loss = link_loss_failsafe(event.kind, event.data, event.text, self.causes)
            if during_loss is not None:
                cause, text = during_loss
            elif cause is not None and event.data.get("named_by") and cause in self.causes:
                cause = None  # already recorded from the "... Cleared" text that named it
            if cause is not None:
                self.causes.append(cause)
                try:
                    await self.report("interrupted", cause=cause, text=text)
                except Exception:  # noqa: BLE001 - a failed record must not stop following the flight
                    log.exception("recording what interrupted the flight failed")

    def _stop_watching(self) -> None:
        if self._watch_task is not None:
            self._watch_task.cancel()

    async def start(self) -> None:
        """Everything up to the vehicle flying in AUTO; on failure the vehicle is left safe and this raises."""
        self._watch_task = asyncio.create_task(self._watch_events(), name="mission events")
        try:
            await self._prepare()
            await self._launch()
        except VehicleError as exc:
            self._stop_watching()
            await self._make_safe()
            await self.report("failed", step=self.step, error=exc.message, code=exc.code)
            raise MissionAborted(f"{self.step} failed: {exc.message}", step=self.step, cause=exc.code) from None
        except asyncio.CancelledError:
            self._stop_watching()
            await self._make_safe()
            raise

    async def run(self) -> None:
        await self.start()
        await self.follow()

    async def _prepare(self) -> None:
        state = self.vehicle.telemetry()
        self.step = "check"
        if not state.link_ok:
            raise VehicleError("no link to the vehicle")
        if state.armed:
            raise VehicleError("the vehicle is armed: it is flying (or about to fly) another mission")
        for label, mission_type, items in (
            ("fence", MissionType.FENCE, self.plan.fence),
            ("rally", MissionType.RALLY, self.plan.rally),
            ("mission", MissionType.MISSION, self.plan.mission),
        ):
            if mission_type != MissionType.MISSION and not items:
                self.step = f"clear {label}"
                await self.vehicle.clear_mission(mission_type)
                continue
            self.step = f"upload {label}"
            await self.report("step", step=self.step, items=len(items))
            await self.vehicle.upload_mission(items, mission_type)
            self.step = f"verify {label}"
            got = await self.vehicle.download_mission(mission_type)
            problem = items_match(items, got, mission=mission_type == MissionType.MISSION)
            if problem:
                raise MissionTransferFailed(
                    f"{label} read back differs: {problem}", result="MISMATCH", seq=None, mission_type=label
                )
        await self.report("step", step="uploaded")

    async def _launch(self) -> None:
        if not self.nav_items:
            raise VehicleError("the mission has no item to fly")
        first = self.nav_items[0]
        self.step = "arm"
        await self.report("step", step="arming")
        await self.vehicle.set_mode("GUIDED")
        # Before AUTO: ArduCopter would resume an interrupted earlier mission where it stopped.
        self.step = "set first item"
        await self.vehicle.set_mission_current(first)
        self.step = "arm"
        await self.vehicle.arm()
        self.step = "start"
        started_at = await self.vehicle.start_mission()
        if started_at != first and first not in self.reported_reached:
            raise MissionStartedElsewhere(
                f"the vehicle started the mission at item {started_at}, not at its first item {first}",
                started_at=started_at,
                first=first,
            )
        self.note_progress(started_at, "AUTO", True)
        await self.report("started", seq=started_at)

    async def follow(self) -> None:
        """Report progress until the vehicle is on the ground and disarmed again."""
        reported_seq = None
        reported_reached: list[int] = []
        last_speaker = None
        last_mode = None
        last_report = 0.0
        deadline = time.monotonic() + self.landed_timeout_s
        airborne = False
        armed_mode = ""
        link_down = False
        while True:
            t = self.vehicle.telemetry()
            if t.alt_rel_m is not None and t.alt_rel_m > 1.0:
                airborne = True
            if t.armed:
                armed_mode = t.mode
            self.note_progress(t.mission_seq, t.mode, t.armed)
            now = time.monotonic()
            speaker = t.relay_on
            reached = self.reached
            if (
                t.mission_seq != reported_seq
                or reached != reported_reached
                or speaker != last_speaker
                or t.mode != last_mode
                or now - last_report > 5.0
            ):
                reported_seq, reported_reached = t.mission_seq, reached
                last_speaker, last_mode, last_report = speaker, t.mode, now
                remaining = remaining_route_m(self.plan.mission, t.mission_seq, t.lat, t.lon)
                await self.report(
                    "progress",
                    seq=t.mission_seq,
                    reached=reached,
                    speaker=speaker,
                    mode=t.mode,
                    eta_s=round(remaining / max(self.plan.speed_mps, 0.5)),
                    remaining_m=round(remaining),
                )
            if airborne and not t.armed:
                await asyncio.sleep(0.3)  # the final MISSION_ITEM_REACHED comes with the disarm
                self._stop_watching()
                reached = self.reached
                await self.report(
                    "landed",
                    reached=reached,
                    completed=self.completed(armed_mode),
                    mode=armed_mode,
                    highest_seq=self.highest_seq,
                    last_item=self.nav_items[-1] if self.nav_items else None,
                    causes=list(self.causes),
                )
                return
            if not t.link_ok and not link_down:
                await self.report("link_lost")
            link_down = not t.link_ok
            if now > deadline:
                self._stop_watching()
                await self.report("failed", step="follow", error="the flight did not end in time", code="timeout")
                return
            await asyncio.sleep(0.2)

    async def _make_safe(self) -> None:
        """After a failed step: disarm on the ground, return to launch in the air."""
        try:
            t = self.vehicle.telemetry()
            if not t.link_ok or not t.armed:
                return
            if t.alt_rel_m is not None and t.alt_rel_m > 1.0:
                await self.vehicle.return_to_launch()
                await self.report("safe", action="RTL")
            else:
                await self.vehicle.disarm()
                await self.report("safe", action="disarmed")
        except VehicleError as exc:
            log.warning("could not make the vehicle safe after %s failed: %s", self.step, exc)
            await self.report("unsafe", error=exc.message)


def plan_to_wire(plan: FlightPlan) -> dict[str, Any]:
    """A channel-layer-safe dict (the bridge command carries the plan)."""

    def items(rows):
        return [
            [i.command, i.frame, i.x, i.y, i.z, i.param1, i.param2, i.param3, i.param4, i.autocontinue] for i in rows
        ]

    return {
        "mission": items(plan.mission),
        "fence": items(plan.fence),
        "rally": items(plan.rally),
        "speed_mps": plan.speed_mps,
    }


def plan_from_wire(data: dict[str, Any]) -> FlightPlan:
    def items(rows):
        return [
            MissionItem(
                command=int(r[0]),
                frame=int(r[1]),
                x=float(r[2]),
                y=float(r[3]),
                z=float(r[4]),
                param1=float(r[5]),
                param2=float(r[6]),
                param3=float(r[7]),
                param4=float(r[8]),
                autocontinue=int(r[9]),
            )
            for r in rows
        ]

    return FlightPlan(
        items(data["mission"]),
        items(data.get("fence", [])),
        items(data.get("rally", [])),
        float(data.get("speed_mps", 8.0)),
    )
