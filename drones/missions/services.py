"""Writes for missions and flights: save and check a mission, prepare, start and command a flight,
and record what the bridge reports while it flies. Every operator action is audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.audit import audit_record, snapshot
from common.errors import Conflict, DomainError, NotAllowed
from common.roles import Capability, can
from drones.bridge.protocol import BridgeUnavailable, call_bridge
from drones.missions import preflight as checklist
from drones.missions.planning import mission_launch
from drones.models import ControlLock, Drone, Flight, Mission, Pilot


class MissionError(DomainError):
    code = "mission_invalid"


class FlightError(DomainError):
    code = "flight_failed"
    http_status = 409


# --- recording what the bridge reports ---------------------------------------------------------

_MODE_STATUS = {
    "RTL": Flight.Status.RETURNING,
    "SMART_RTL": Flight.Status.RETURNING,
    "LAND": Flight.Status.LANDING,
    "BRAKE": Flight.Status.PAUSED,
    "LOITER": Flight.Status.PAUSED,
}


def flight_report_apply(*, flight_id: int, kind: str, data: dict[str, Any]) -> None:
    """Apply one report of a running mission (from ``drones.missions.execution``) to its flight."""
    from drones.missions.execution import NAV_COMMANDS
    from drones.missions.flightlog import flight_stats

    with transaction.atomic():
        flight = Flight.objects.select_for_update().filter(pk=flight_id).first()
        if flight is None:
            return
        now = timezone.now()
        if kind == "step" and flight.status == Flight.Status.PREFLIGHT:
            flight.status = Flight.Status.STARTING
        elif kind == "started":
            flight.status = Flight.Status.FLYING
            flight.started_at = flight.started_at or now
        elif kind == "progress":
            flight.current_item = data.get("seq")
            flight.reached_items = list(data.get("reached") or [])
            flight.speaker_on = bool(data.get("speaker"))
            if flight.active:
                mode_status = _MODE_STATUS.get(str(data.get("mode")))
                if mode_status:
                    flight.status = mode_status
                elif data.get("mode") == "AUTO" and flight.status != Flight.Status.PAUSED:
                    flight.status = Flight.Status.FLYING
        elif kind == "landed":
            flight.reached_items = list(data.get("reached") or flight.reached_items)
            nav = [seq for seq, item in enumerate(flight.items) if seq and int(item[0]) in NAV_COMMANDS]
            finished = bool(nav) and all(seq in flight.reached_items for seq in nav)
            flight.status = Flight.Status.COMPLETED if finished else Flight.Status.ABORTED
            flight.ended_at = now
            flight.speaker_on = False
        elif kind == "failed":
            flight.status = Flight.Status.FAILED
            flight.last_error = f"{data.get('step')}: {data.get('error')}"
            flight.ended_at = flight.ended_at or now
        elif kind in ("safe", "unsafe"):
            flight.last_error = (flight.last_error + " " if flight.last_error else "") + (
                _("vehicle made safe: %(action)s") % {"action": data.get("action")}
                if kind == "safe"
                else _("could not make the vehicle safe: %(error)s") % {"error": data.get("error")}
            )
        flight.save()
    if kind in ("landed", "failed") and flight.started_at:
        Flight.objects.filter(pk=flight_id).update(stats=flight_stats(flight).as_dict())


# --- preparing and starting a flight ------------------------------------------------------------


def _pilot_licence(actor) -> tuple[bool, str]:
    pilot = Pilot.objects.filter(user=actor).first()
    if pilot is None:
        return False, _("you are not a registered pilot")
    if not pilot.licence_valid:
        return False, _("licence %(no)s expired on %(date)s") % {"no": pilot.licence_no, "date": pilot.licence_expiry}
    return True, _("licence %(no)s valid until %(date)s") % {"no": pilot.licence_no, "date": pilot.licence_expiry}


def _require_control(drone: Drone, actor) -> None:
    if not can(actor, Capability.COMMAND_DRONES):
        raise NotAllowed(_("You may not command drones."))
    lock = ControlLock.objects.filter(drone=drone).first()
    if lock is None or lock.expired() or lock.holder_id != actor.pk:
        raise NotAllowed(_("Take control of %(drone)s first.") % {"drone": drone}, code="no_control_lock")


def _bridge(drone: Drone, command: str, args: dict[str, Any], *, timeout_s: float | None = None) -> dict[str, Any]:
    try:
        reply = async_to_sync(call_bridge)(
            drone.id, command, args, timeout_s=timeout_s or settings.DRONE_COMMAND_TIMEOUT_S
        )
    except BridgeUnavailable as exc:
        raise FlightError(str(exc), code="bridge_unavailable") from None
    if not reply.get("ok"):
        error = reply.get("error") or {}
        raise FlightError(
            error.get("message", _("the vehicle did not do it")), code=error.get("code", "failed"), details=[error]
        )
    return reply


@transaction.atomic
def flight_create(*, mission: Mission, actor) -> Flight:
    """Open a flight of ``mission`` in preflight. The mission must have passed its checks."""
    _require_control(mission.drone, actor)
    if mission.status != Mission.Status.READY:
        raise MissionError(
            _("Mission “%(mission)s” has not passed its checks; check it first.") % {"mission": mission},
            code="not_checked",
        )
    if mission.drone.status != Drone.Status.AVAILABLE:
        raise MissionError(
            _("%(drone)s is %(status)s.") % {"drone": mission.drone, "status": mission.drone.get_status_display()}
        )
    active = Flight.objects.filter(drone=mission.drone, status__in=Flight.ACTIVE).first()
    if active is not None:
        raise Conflict(
            _("%(drone)s is flying another mission (flight %(flight)s).")
            % {"drone": mission.drone, "flight": active.pk},
            code="drone_busy",
        )
    flight = Flight.objects.create(mission=mission, drone=mission.drone, pilot=actor, approval_ref=mission.approval_ref)
    audit_record(actor=actor, action="flight.create", obj=flight, after=snapshot(flight))
    return flight


def _mission_max_alt_m(flight: Flight) -> float:
    mission = flight.mission
    if mission is None:
        return 0.0
    heights = [float(w.get("alt_m") or 0) for w in mission.waypoints if isinstance(w, dict)]
    return max([mission.takeoff_alt_m, *heights])


def flight_preflight(*, flight: Flight, actor, confirmed: bool = False) -> list[checklist.CheckItem]:
    """Read the vehicle's state and failsafe parameters through the bridge and evaluate the checklist."""
    drone = flight.drone
    _require_control(drone, actor)
    try:
        reply = _bridge(drone, "read_params", {"names": list(checklist.required_params())})
        telemetry, params = reply.get("telemetry"), reply.get("result", {}).get("params", {})
    except FlightError as exc:
        telemetry, params = {"link_ok": False, "error": exc.message}, {}
    licence_ok, licence_detail = _pilot_licence(actor)
    validation = flight.mission.validation if flight.mission else {}
    estimate = validation.get("estimate") or {}
    reserve = getattr(settings, "DRONE_BATTERY_RESERVE_PCT", 25)
    needed = float(estimate.get("endurance_used_pct") or 0) + reserve
    mission_ok = bool(flight.mission and flight.mission.status == Mission.Status.READY and validation.get("ok"))
    mission_detail = (
        _("checked %(at)s") % {"at": validation.get("checked_at", "")}
        if mission_ok
        else _("the mission has not passed its checks")
    )
    return checklist.preflight_items(
        telemetry=telemetry,
        params=params,
        required_battery_pct=needed,
        licence_ok=licence_ok,
        licence_detail=licence_detail,
        approval_ref=flight.approval_ref,
        mission_ok=mission_ok,
        mission_detail=mission_detail,
        confirmed=confirmed,
        mission_max_alt_m=_mission_max_alt_m(flight),
        launch=mission_launch(flight.mission) if flight.mission else None,
    )


def flight_fix_params(*, flight: Flight, actor) -> dict[str, float]:
    """Set the failsafe parameters the checklist requires; returns what the vehicle echoed. Audited."""
    _require_control(flight.drone, actor)
    if flight.status != Flight.Status.PREFLIGHT:
        raise FlightError(_("Parameters are set before the flight starts."), code="not_preflight")
    reply = _bridge(flight.drone, "read_params", {"names": list(checklist.required_params())})
    fixes = checklist.preflight_fix_values(reply.get("result", {}).get("params", {}), _mission_max_alt_m(flight))
    if not fixes:
        return {}
    try:
        echoed = _bridge(flight.drone, "set_params", {"values": fixes})["result"]["params"]
    finally:
        audit_record(
            actor=actor,
            action="drone.params.set",
            obj=flight.drone,
            after={"requested": fixes},
            reason=f"preflight of flight {flight.pk}",
        )
    return echoed


def flight_set_approval(*, flight: Flight, actor, approval_ref: str) -> Flight:
    _require_control(flight.drone, actor)
    flight.approval_ref = approval_ref.strip()[:100]
    flight.save(update_fields=["approval_ref"])
    audit_record(actor=actor, action="flight.approval", obj=flight, after={"approval_ref": flight.approval_ref})
    return flight


def flight_plan(flight: Flight):
    """The items, fence and rally points to upload for the flight's mission."""
    from drones.missions.planning import mission_flight_plan

    return mission_flight_plan(flight.mission)


def flight_start(*, flight: Flight, actor, confirmed: bool) -> Flight:
    """Run the checklist; if every item passes, upload, verify, arm and start. Audited either way."""
    from drones.missions.execution import plan_to_wire

    items = flight_preflight(flight=flight, actor=actor, confirmed=confirmed)
    failing = [item for item in items if not item.ok]
    if failing:
        audit_record(
            actor=actor,
            action="flight.start.refused",
            obj=flight,
            after={"failing": [item.as_dict() for item in failing]},
        )
        raise FlightError(
            _("Preflight not passed: %(items)s") % {"items": "; ".join(f"{i.label} ({i.detail})" for i in failing)},
            code="preflight_failed",
            details=[i.as_dict() for i in failing],
        )
    plan = flight_plan(flight)
    with transaction.atomic():
        flight.refresh_from_db()
        flight.preflight = {
            "items": [i.as_dict() for i in items],
            "at": timezone.now().isoformat(),
            "by": actor.get_username(),
        }
        flight.items = plan_to_wire(plan)["mission"]
        flight.fence = {"items": plan_to_wire(plan)["fence"], "rally": plan_to_wire(plan)["rally"]}
        flight.status = Flight.Status.STARTING
        try:
            flight.save()
        except IntegrityError:
            raise Conflict(
                _("%(drone)s is flying another mission.") % {"drone": flight.drone}, code="drone_busy"
            ) from None
    try:
        _bridge(
            flight.drone,
            "mission_run",
            {"flight": flight.pk, "plan": plan_to_wire(plan)},
            timeout_s=max(settings.DRONE_COMMAND_TIMEOUT_S, 60.0),
        )
    except FlightError as exc:
        Flight.objects.filter(pk=flight.pk).update(
            status=Flight.Status.FAILED, last_error=exc.message, ended_at=timezone.now()
        )
        audit_record(actor=actor, action="flight.start", obj=flight, after={"ok": False, "error": exc.message})
        raise
    audit_record(actor=actor, action="flight.start", obj=flight, after={"ok": True, "items": len(plan.mission)})
    flight.refresh_from_db()
    return flight


FLIGHT_COMMANDS = {"pause": "pause", "resume": "resume", "abort": "rtl", "land": "land"}


def flight_command(*, flight: Flight, actor, command: str) -> Flight:
    """Pause, resume, abort (return to launch) or land a flying mission. Audited."""
    _require_control(flight.drone, actor)
    if command not in FLIGHT_COMMANDS:
        raise MissionError(_("Unknown flight command “%(command)s”.") % {"command": command})
    if not flight.active:
        raise FlightError(
            _("Flight %(flight)s is not flying (%(status)s).")
            % {"flight": flight.pk, "status": flight.get_status_display()},
            code="not_flying",
        )
    try:
        _bridge(flight.drone, FLIGHT_COMMANDS[command], {})
    finally:
        audit_record(actor=actor, action=f"flight.{command}", obj=flight)
    status = {
        "pause": Flight.Status.PAUSED,
        "resume": Flight.Status.FLYING,
        "abort": Flight.Status.RETURNING,
        "land": Flight.Status.LANDING,
    }[command]
    Flight.objects.filter(pk=flight.pk, status__in=Flight.ACTIVE).update(status=status)
    flight.refresh_from_db()
    return flight


def flights_recent(drone: Drone, *, days: int = 30):
    return Flight.objects.filter(drone=drone, created_at__gte=timezone.now() - dt.timedelta(days=days))


# --- planning -----------------------------------------------------------------------------------


def _require_planner(actor) -> None:
    if not can(actor, Capability.PLAN_MISSIONS):
        raise NotAllowed(_("You may not plan drone missions."))


@transaction.atomic
def mission_save(*, mission: Mission, actor, reason: str = ""):
    """Save a mission and run every check on it: READY when it passes, REJECTED with the violations otherwise.

    Returns the ``CheckResult``. Rejected missions are saved too (they are drafts to fix), but can
    never be flown: ``flight_create`` refuses them and ``flight_start`` checks again.
    """
    from drones.missions.planning import mission_check

    _require_planner(actor)
    old = Mission.objects.filter(pk=mission.pk).first() if mission.pk else None
    if mission.created_by_id is None and getattr(actor, "pk", None):
        mission.created_by = actor
    mission.full_clean(exclude=["validation", "status"])
    result = mission_check(mission)
    mission.validation = result.as_dict()
    mission.status = Mission.Status.READY if result.ok else Mission.Status.REJECTED
    mission.save()
    audit_record(
        actor=actor,
        action="mission.update" if old else "mission.create",
        obj=mission,
        before=snapshot(old) if old else None,
        after={
            **snapshot(mission, ["name", "kind", "drone", "status", "approval_ref", "planned_start"]),
            "waypoints": len(mission.waypoints),
            "violations": result.codes(),
        },
        reason=reason,
    )
    return result


GENERATORS = ("school_patrol", "market_broadcast", "point_broadcast")


def mission_generate(
    *,
    kind: str,
    drone: Drone,
    actor,
    name: str = "",
    school=None,
    market=None,
    points=None,
    options: dict[str, Any] | None = None,
) -> tuple[Mission, Any]:
    """Generate a mission of ``kind`` from the registry, save and check it. Returns (mission, check result)."""
    from drones.missions import generators

    _require_planner(actor)
    options = dict(options or {})
    start_at = (drone.home_lat, drone.home_lon) if drone.home_lat is not None else None
    try:
        if kind == "school_patrol":
            if school is None:
                raise MissionError(_("Choose the school to patrol."), code="school_required")
            generated = generators.school_patrol(school, start_at=start_at, **options)
        elif kind == "market_broadcast":
            if market is None:
                raise MissionError(_("Choose the market."), code="market_required")
            generated = generators.market_broadcast(market, start_at=start_at, **options)
        elif kind == "point_broadcast":
            generated = generators.point_broadcast(points or [], start_at=start_at, **options)
        else:
            raise MissionError(
                _("Unknown mission kind “%(kind)s”; use one of: %(kinds)s.")
                % {"kind": kind, "kinds": ", ".join(GENERATORS)}
            )
    except generators.GeneratorError as exc:
        raise MissionError(
            str(exc),
            code=getattr(exc, "code", "generator"),
            details=[{"field": getattr(exc, "field", None), "message": str(exc)}],
        ) from None
    except TypeError as exc:  # an option the generator does not take
        raise MissionError(_("Unknown option: %(error)s") % {"error": exc}, code="bad_option") from None
    from drones.missions.planning import suggest_launch

    launch = suggest_launch(generated.waypoints, start_at, max_distance_m=settings.DRONE_MAX_DISTANCE_M)
    if launch != start_at:
        # Taking off near the target: generate again so the route starts at the end nearest the launch point.
        options_start = {"start_at": launch}
        if kind == "school_patrol":
            generated = generators.school_patrol(school, **options, **options_start)
        elif kind == "market_broadcast":
            generated = generators.market_broadcast(market, **options, **options_start)
        else:
            generated = generators.point_broadcast(points or [], **options, **options_start)
    label = school or market or _("points")
    mission = Mission(
        name=name or f"{Mission.Kind(kind).label} · {label}",
        kind=kind,
        drone=drone,
        school=school,
        market=market,
        params=generated.params,
        waypoints=generated.route_json(),
        takeoff_alt_m=generated.takeoff_alt_m,
        speed_mps=generated.speed_mps,
        operating_area=generated.operating_area,
        planned_start=generated.planned_start,
        launch_lat=launch[0] if launch else None,
        launch_lon=launch[1] if launch else None,
    )
    result = mission_save(mission=mission, actor=actor, reason=f"generated {kind}")
    return mission, result


def mission_import(*, drone: Drone, actor, filename: str, content: bytes, name: str = "") -> tuple[Mission, Any]:
    """A new mission from a QGroundControl ``.plan`` or a MAVLink waypoint text file (``QGC WPL 110``)."""
    from drones.missions import interop

    _require_planner(actor)
    text_start = content.lstrip()[:16]
    try:
        if text_start.startswith(b"{") or filename.lower().endswith(".plan"):
            plan = interop.plan_import(content)
        else:
            plan = interop.wpl_import(content)
    except interop.PlanFileError as exc:
        raise MissionError(
            str(exc),
            code=getattr(exc, "code", "plan_file"),
            details=[{"line": getattr(exc, "line", None), "message": str(exc)}],
        ) from None
    fields = plan.mission_fields()
    if fields["launch_lat"] is None and drone.home_lat is not None:
        fields["launch_lat"], fields["launch_lon"] = drone.home_lat, drone.home_lon
    mission = Mission(
        name=name or filename.rsplit("/", 1)[-1][:120],
        kind=Mission.Kind.FREE,
        drone=drone,
        params={"imported_from": filename, "notes": list(plan.notes)},
        **fields,
    )
    result = mission_save(mission=mission, actor=actor, reason=f"imported {filename}")
    return mission, result
