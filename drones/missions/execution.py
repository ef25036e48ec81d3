"""Flying a mission on a ``Vehicle``: upload and verify, arm, AUTO, follow it to the ground.

``MissionRun`` is what the telemetry bridge runs for a flight. It speaks only
the ``drones.vehicle.Vehicle`` interface. Steps, in order:

1. refuse if the vehicle is armed or flying (another flight owns it);
2. upload the fence (inclusion + exclusion polygons) and the rally points, read
   each back and compare, so the autopilot enforces them on board;
3. upload the mission and read it back (ArduCopter returns item 0 as its home
   and frame 6 as 3, so the comparison is on what matters);
4. GUIDED, arm, AUTO + MISSION_START;
5. follow progress (current item, reached items, loudspeaker, ETA) until the
   vehicle has landed and disarmed.

A failed step stops the sequence and leaves the vehicle safe: disarmed if it
is still on the ground, RTL if it is in the air. Every step is reported
through ``report(kind, **data)``; the bridge turns reports into flight
updates and events.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from common.geo import haversine_m
from drones.vehicle import MissionItem, MissionTransferFailed, MissionType, Vehicle, VehicleError

log = logging.getLogger(__name__)

NAV_COMMANDS = {16, 17, 18, 19, 20, 21, 22, 82, 84, 85, 93, 94}  # items that move (or hold) the vehicle
_GLOBAL_FRAMES = {0, 3, 5, 6, 10, 11}
_FRAME_EQUIVALENT = {6: 3, 5: 0, 11: 10}  # *_INT frames come back as their float twins


def _has_location(command: int) -> bool:
    """Whether ArduCopter stores a position (and so a frame) for this command.

    RTL, CONDITION_* (112-159) and DO_* (176-252) come back with frame 0 whatever
    was sent (recorded from ArduCopter 4.7 SITL, scenario 04).
    """
    return not (command == 20 or 112 <= command <= 159 or 176 <= command <= 252)


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

    ArduCopter replaces mission item 0 with its home and reports *_INT frames as
    their float twins; positions are compared to about a centimetre.
    """
    if len(sent) != len(got):
        return f"the vehicle holds {len(got)} items, {len(sent)} were sent"
    for seq, (a, b) in enumerate(zip(sent, got, strict=True)):
        if mission and seq == 0:
            continue
        if a.command != b.command:
            return f"item {seq}: command {b.command} on the vehicle, {a.command} sent"
        if _has_location(a.command) and _FRAME_EQUIVALENT.get(a.frame, a.frame) != _FRAME_EQUIVALENT.get(
            b.frame, b.frame
        ):
            return f"item {seq}: frame {b.frame} on the vehicle, {a.frame} sent"
        tolerance = 1e-6 if a.frame in _GLOBAL_FRAMES else 1e-3
        for name in ("x", "y"):
            if abs(getattr(a, name) - getattr(b, name)) > tolerance:
                return f"item {seq}: {name} {getattr(b, name)} on the vehicle, {getattr(a, name)} sent"
        for name in ("z", "param1", "param2", "param3", "param4"):
            va, vb = getattr(a, name), getattr(b, name)
            if not (math.isnan(va) and math.isnan(vb)) and abs(va - vb) > 1e-3:
                return f"item {seq}: {name} {vb} on the vehicle, {va} sent"
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


class MissionRun:
    """One flight on one vehicle: ``await start()`` (upload, verify, arm, AUTO), then ``await follow()``."""

    def __init__(self, vehicle: Vehicle, plan: FlightPlan, *, report: Report, landed_timeout_s: float = 3600):
        self.vehicle = vehicle
        self.plan = plan
        self.report = report
        self.landed_timeout_s = landed_timeout_s
        self.step = "start"
        self.reached: list[int] = []

    async def _collect_reached(self) -> None:
        """MISSION_ITEM_REACHED events, in order (the final RTL item arrives at landing)."""
        async for event in self.vehicle.events():
            if event.kind == "reached":
                seq = int(event.data.get("seq", -1))
                if seq > 0 and seq not in self.reached:
                    self.reached.append(seq)

    async def start(self) -> None:
        """Everything up to the vehicle flying in AUTO; on failure the vehicle is left safe and this raises."""
        self._reached_task = asyncio.create_task(self._collect_reached(), name="mission reached items")
        try:
            await self._prepare()
            await self._launch()
        except VehicleError as exc:
            self._reached_task.cancel()
            await self._make_safe()
            await self.report("failed", step=self.step, error=exc.message, code=exc.code)
            raise MissionAborted(f"{self.step} failed: {exc.message}", step=self.step, cause=exc.code) from None
        except asyncio.CancelledError:
            self._reached_task.cancel()
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
        self.step = "arm"
        await self.report("step", step="arming")
        await self.vehicle.set_mode("GUIDED")
        await self.vehicle.arm()
        self.step = "start"
        await self.vehicle.start_mission()
        await self.report("started")

    async def follow(self) -> None:
        """Report progress until the vehicle is on the ground and disarmed again."""
        reported_seq = None
        last_speaker = None
        last_mode = None
        last_report = 0.0
        deadline = time.monotonic() + self.landed_timeout_s
        airborne = False
        while True:
            t = self.vehicle.telemetry()
            if t.alt_rel_m is not None and t.alt_rel_m > 1.0:
                airborne = True
            now = time.monotonic()
            speaker = t.relay_on
            if (
                t.mission_seq != reported_seq
                or speaker != last_speaker
                or t.mode != last_mode
                or now - last_report > 5.0
            ):
                reported_seq = t.mission_seq
                last_speaker, last_mode, last_report = speaker, t.mode, now
                remaining = remaining_route_m(self.plan.mission, t.mission_seq, t.lat, t.lon)
                await self.report(
                    "progress",
                    seq=t.mission_seq,
                    reached=list(self.reached),
                    speaker=speaker,
                    mode=t.mode,
                    eta_s=round(remaining / max(self.plan.speed_mps, 0.5)),
                    remaining_m=round(remaining),
                )
            if airborne and not t.armed:
                await asyncio.sleep(0.3)  # the final MISSION_ITEM_REACHED comes with the disarm
                self._reached_task.cancel()
                await self.report("landed", reached=list(self.reached))
                return
            if not t.link_ok:
                await self.report("link_lost")
            if now > deadline:
                self._reached_task.cancel()
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
