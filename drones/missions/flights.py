"""Writes for flights: open a flight of a checked mission, run its preflight checklist and fix the
failsafe parameters, start it, pause, resume, abort, land or cancel it, and record what the bridge reports
while it flies (``flight_report_apply``) up to its outcome. Every operator action is audited; commands
that reach the vehicle go through the one command path, ``drones.commands``."""

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
from drones.commands import (
    CheckedCommand,
    CommandFailed,
    check_control,
    check_drone_command,
    check_pilot_licence,
    command_refusal_audit,
    do_drone_command,
    drone_command,
)
from drones.missions import preflight as checklist
from drones.missions.planning import mission_launch
from drones.missions.services import MissionError
from drones.missions.signals import flight_ended
from drones.models import ControlLock, Drone, Flight, Mission


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


def _note_cause(flight: Flight, cause: str, detail: str) -> None:
    """Record what ended (or is ending) a flight. The first cause wins, except that a failsafe or
    fence breach the vehicle reports replaces a link loss, which it explains."""
    if flight.outcome and not (flight.outcome == Flight.Outcome.LINK_LOST and cause != Flight.Outcome.LINK_LOST):
        return
    if flight.outcome == Flight.Outcome.LINK_LOST:
        detail = _("%(detail)s (after a link loss)") % {"detail": detail}
    flight.outcome, flight.outcome_detail = cause, detail


def _landed_outcome(flight: Flight, data: dict[str, Any]) -> bool:
    """Set the outcome at touchdown; True when the mission completed."""
    from drones.missions.execution import NAV_COMMANDS

    completed = data.get("completed")
    if completed is None:  # a report without the judgement: every navigation item reached
        nav = [seq for seq, item in enumerate(flight.items) if seq and int(item[0]) in NAV_COMMANDS]
        completed = bool(nav) and all(seq in flight.reached_items for seq in nav)
    if completed:
        detail = _("every mission item flown, landed and disarmed")
        if flight.outcome:
            detail = _("%(detail)s; on the way: %(earlier)s") % {"detail": detail, "earlier": flight.outcome_detail}
        flight.outcome, flight.outcome_detail = Flight.Outcome.COMPLETED, detail
    elif not flight.outcome:
        flight.outcome = Flight.Outcome.LANDED_EARLY
        flight.outcome_detail = _(
            "landed at mission item %(seq)s of %(last)s with no failsafe, fence breach or operator command"
        ) % {"seq": data.get("highest_seq", flight.current_item), "last": data.get("last_item", "?")}
    return bool(completed)


def flight_report_apply(*, flight_id: int, kind: str, data: dict[str, Any]) -> None:
    """Apply one report of a running mission (from ``drones.missions.execution``) to its flight.

    Besides the mission's own reports, ``kind="operator"`` records a flight command an
    operator gave (``data``: ``command``, ``actor``: a user name); ``flight_note_operator_command``
    is the way to send it. Abort and land make the outcome "aborted" by that operator, unless the
    vehicle had already ended the flight itself (fence breach, failsafe).
    """
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
        elif kind == "interrupted":
            if flight.active:
                _note_cause(flight, str(data.get("cause") or Flight.Outcome.OTHER), str(data.get("text") or ""))
        elif kind == "operator":
            command = str(data.get("command"))
            if flight.active and command in OPERATOR_ENDING_COMMANDS:
                said = {"abort": _("abort (return to launch)"), "land": _("land")}[command]
                _note_cause(
                    flight,
                    Flight.Outcome.ABORTED,
                    _("%(command)s by %(actor)s at %(at)s")
                    % {
                        "command": said,
                        "actor": data.get("actor") or "?",
                        "at": timezone.localtime(now).strftime("%H:%M:%S"),
                    },
                )
        elif kind == "landed":
            flight.reached_items = list(data.get("reached") or flight.reached_items)
            completed = _landed_outcome(flight, data)
            flight.status = Flight.Status.COMPLETED if completed else Flight.Status.ABORTED
            flight.ended_at = now
            flight.speaker_on = False
        elif kind == "failed":
            flight.status = Flight.Status.FAILED
            flight.last_error = f"{data.get('step')}: {data.get('error')}"
            flight.ended_at = flight.ended_at or now
            if not flight.outcome or flight.outcome == Flight.Outcome.LINK_LOST and not flight.started_at:
                flight.outcome, flight.outcome_detail = Flight.Outcome.FAILED, flight.last_error
        elif kind in ("safe", "unsafe"):
            flight.last_error = (flight.last_error + " " if flight.last_error else "") + (
                _("vehicle made safe: %(action)s") % {"action": data.get("action")}
                if kind == "safe"
                else _("could not make the vehicle safe: %(error)s") % {"error": data.get("error")}
            )
        flight.save()
    if kind in ("landed", "failed") and flight.started_at:
        Flight.objects.filter(pk=flight_id).update(stats=flight_stats(flight).as_dict())
    if kind in ("landed", "failed"):  # after commit: listeners (a campaign's measuring) read the ended flight
        status = flight.status
        transaction.on_commit(lambda: flight_ended.send_robust(sender=Flight, flight_id=flight_id, status=status))


# Flight commands that end a mission early when an operator gives them.
OPERATOR_ENDING_COMMANDS = ("abort", "land")


def flight_note_operator_command(*, flight_id: int, command: str, actor) -> None:
    """Record that an operator's flight command (``abort``, ``land``, ``pause``, ``resume``) reached the
    vehicle, so the flight's outcome can say who ended it. Call it after the vehicle accepted it."""
    name = actor.get_username() if hasattr(actor, "get_username") else str(actor or "")
    flight_report_apply(flight_id=flight_id, kind="operator", data={"command": command, "actor": name})


# --- preparing and starting a flight ------------------------------------------------------------


def _pilot_licence(actor) -> tuple[bool, str]:
    """The checklist's licence line, from the same rule the command path applies (``check_pilot_licence``)."""
    try:
        pilot = check_pilot_licence(actor)
    except NotAllowed as exc:
        return False, exc.message
    return True, _("licence %(no)s valid until %(date)s") % {"no": pilot.licence_no, "date": pilot.licence_expiry}


def _require_control(drone: Drone, actor) -> None:
    """The role and a live control lock held by ``actor`` (``drones.commands.check_control``)."""
    check_control(drone=drone, actor=actor)


def _bridge(drone: Drone, command: str, args: dict[str, Any], *, timeout_s: float | None = None) -> dict[str, Any]:
    """A read through the command path's ``do`` (same bridge call and error mapping), for a caller that
    has checked control. Commands that change the vehicle go through ``drone_command`` instead."""
    checked = CheckedCommand(drone=drone, command=command, args=args, obj=drone)
    try:
        return async_to_sync(do_drone_command)(checked, actor=None, timeout_s=timeout_s)
    except CommandFailed as exc:
        failure = FlightError(exc.message, code=exc.code, details=exc.details)
        failure.http_status = exc.http_status
        raise failure from None


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


def _mission_max_distance_m(flight: Flight) -> float:
    """The mission's farthest waypoint from its launch point (m): what the circle fence must enclose."""
    mission = flight.mission
    if mission is None:
        return 0.0
    points = [
        (float(w["lat"]), float(w["lon"]))
        for w in mission.waypoints
        if isinstance(w, dict) and w.get("lat") is not None and w.get("lon") is not None
    ]
    return checklist.mission_max_distance_m(mission_launch(mission), points)


def _mission_speaker(flight: Flight):
    """The drone's loudspeaker output when the mission switches the loudspeaker, else None."""
    from drones.missions.compile import route_uses_speaker
    from drones.missions.route import RouteError, parse_route

    if flight.mission is None:
        return None
    try:
        uses = route_uses_speaker(parse_route(flight.mission.waypoints))
    except RouteError:
        return None
    return flight.drone.speaker_config() if uses else None


def _preflight_param_names(flight: Flight) -> list[str]:
    return list(checklist.required_params(speaker=_mission_speaker(flight)))


def flight_preflight(*, flight: Flight, actor, confirmed: bool = False) -> list[checklist.CheckItem]:
    """Read the vehicle's state and failsafe parameters through the bridge and evaluate the checklist."""
    drone = flight.drone
    _require_control(drone, actor)
    try:
        reply = _bridge(drone, "read_params", {"names": _preflight_param_names(flight)})
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
    # Other apps' checks run first: one may record the approval reference the approval item reads.
    registered = checklist.preflight_registered_items(flight)
    items = checklist.preflight_items(
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
        mission_max_distance_m=_mission_max_distance_m(flight),
        launch=mission_launch(flight.mission) if flight.mission else None,
        speaker=_mission_speaker(flight),
    )
    return [*items[:-1], *registered, *items[-1:]]  # the operator's confirmation stays last


def flight_fix_params(*, flight: Flight, actor) -> dict[str, float]:
    """Set the failsafe parameters the checklist requires; returns what the vehicle echoed. Audited."""
    _require_control(flight.drone, actor)
    if flight.status != Flight.Status.PREFLIGHT:
        raise FlightError(_("Parameters are set before the flight starts."), code="not_preflight")
    reply = _bridge(flight.drone, "read_params", {"names": _preflight_param_names(flight)})
    fixes = checklist.preflight_fix_values(
        reply.get("result", {}).get("params", {}),
        _mission_max_alt_m(flight),
        _mission_max_distance_m(flight),
        _mission_speaker(flight),
    )
    if not fixes:
        return {}
    reply = drone_command(
        drone=flight.drone,
        actor=actor,
        command="set_params",
        args={"values": fixes},
        action="drone.params.set",
        reason=f"preflight of flight {flight.pk}",
    )
    return reply["result"]["params"]


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
    """Run the checklist; if every item passes, upload, verify, arm and start. Audited either way.

    Checked like every drone command (``drones.commands``) before the flight is marked starting;
    no transaction is open while the bridge uploads and starts (up to 60 s).
    """
    from drones.missions.execution import plan_to_wire

    try:
        items = flight_preflight(flight=flight, actor=actor, confirmed=confirmed)
    except DomainError as exc:
        command_refusal_audit(
            exc, drone=flight.drone, actor=actor, command="mission_run", flight=flight, action="flight.start.refused"
        )
        raise
    failing = [item for item in items if not item.ok]
    if failing:
        audit_record(
            actor=actor,
            action="flight.start.refused",
            obj=flight,
            after={"ok": False, "refused": True, "failing": [item.as_dict() for item in failing]},
        )
        raise FlightError(
            _("Preflight not passed: %(items)s") % {"items": "; ".join(f"{i.label} ({i.detail})" for i in failing)},
            code="preflight_failed",
            details=[i.as_dict() for i in failing],
        )
    wire = plan_to_wire(flight_plan(flight))
    try:
        checked = check_drone_command(
            drone=flight.drone,
            actor=actor,
            command="mission_run",
            args={"flight": flight.pk, "plan": wire},
            flight=flight,
            action="flight.start",
        )
    except DomainError as exc:
        command_refusal_audit(
            exc, drone=flight.drone, actor=actor, command="mission_run", flight=flight, action="flight.start.refused"
        )
        raise
    with transaction.atomic():
        flight.refresh_from_db()
        flight.preflight = {
            "items": [i.as_dict() for i in items],
            "at": timezone.now().isoformat(),
            "by": actor.get_username(),
        }
        flight.items = wire["mission"]
        flight.fence = {"items": wire["fence"], "rally": wire["rally"]}
        flight.status = Flight.Status.STARTING
        try:
            flight.save()
        except IntegrityError:
            raise Conflict(
                _("%(drone)s is flying another mission.") % {"drone": flight.drone}, code="drone_busy"
            ) from None
    try:
        async_to_sync(do_drone_command)(checked, actor=actor)
    except CommandFailed as exc:
        Flight.objects.filter(pk=flight.pk, status=Flight.Status.STARTING).update(
            status=Flight.Status.FAILED, last_error=exc.message, ended_at=timezone.now()
        )
        raise
    flight.refresh_from_db()
    return flight


FLIGHT_COMMANDS = {"pause": "pause", "resume": "resume", "abort": "rtl", "land": "land"}
_FLIGHT_COMMAND_STATUS = {
    "pause": Flight.Status.PAUSED,
    "resume": Flight.Status.FLYING,
    "abort": Flight.Status.RETURNING,
    "land": Flight.Status.LANDING,
}


def flight_command(*, flight: Flight, actor, command: str, ip_address: str | None = None) -> Flight:
    """Pause, resume, abort (return to launch) or land a flying mission.

    Through the one command path (``drones.commands.drone_command``): the same checks and errors
    as the live map, and one audit entry ``flight.<command>`` whatever the outcome.
    """
    drone_command(
        drone=flight.drone,
        actor=actor,
        command=FLIGHT_COMMANDS.get(command, command),
        flight=flight,
        action=f"flight.{command}",
        ip_address=ip_address,
    )
    flight_note_operator_command(flight_id=flight.pk, command=command, actor=actor)  # the outcome names who ended it
    Flight.objects.filter(pk=flight.pk, status__in=Flight.ACTIVE).update(status=_FLIGHT_COMMAND_STATUS[command])
    flight.refresh_from_db()
    return flight


CANCELLABLE = (Flight.Status.PREFLIGHT, Flight.Status.STARTING)


def _check_cancel(flight: Flight, actor) -> None:
    if not can(actor, Capability.COMMAND_DRONES):
        raise NotAllowed(_("You may not command drones."))
    if flight.status not in CANCELLABLE:
        raise FlightError(
            _("Flight %(flight)s is %(status)s; only a flight that has not taken off can be cancelled.")
            % {"flight": flight.pk, "status": flight.get_status_display()},
            code="not_cancellable",
        )
    lock = ControlLock.objects.filter(drone=flight.drone).select_related("holder").first()
    if lock is not None and not lock.expired() and actor.pk not in (lock.holder_id, flight.pilot_id):
        raise NotAllowed(
            _("%(holder)s controls %(drone)s; take control first.")
            % {"holder": lock.holder.get_username(), "drone": flight.drone},
            code="no_control_lock",
        )
    if flight.status == Flight.Status.STARTING:
        _check_no_mission_running(flight)


def _check_no_mission_running(flight: Flight) -> None:
    """A starting flight may be cancelled only when the bridge runs no mission for it."""
    from drones.live import live_states

    try:
        reply = async_to_sync(call_bridge)(flight.drone_id, "mission_state", {}, timeout_s=5.0)
    except BridgeUnavailable:
        # No bridge: nothing can be running a mission, unless the vehicle is armed on its own.
        state = live_states([flight.drone_id]).get(flight.drone_id) or {}
        if state.get("armed"):
            raise FlightError(
                _("No telemetry bridge answers for %(drone)s and it was last seen armed; land it first.")
                % {"drone": flight.drone},
                code="mission_running",
            ) from None
        return
    running = (reply.get("result") or {}).get("active") if reply.get("ok") else None
    if running is None:
        raise FlightError(
            _("Cannot tell whether %(drone)s is flying a mission: %(error)s")
            % {"drone": flight.drone, "error": (reply.get("error") or {}).get("message", "")},
            code="mission_state_unknown",
        )
    if running:
        raise FlightError(
            _("%(drone)s is running this mission; abort or land instead of cancelling.") % {"drone": flight.drone},
            code="mission_running",
        )


def flight_cancel(*, flight: Flight, actor, ip_address: str | None = None) -> Flight:
    """Cancel a flight that never took off: in preflight, or starting with no mission running.

    Allowed to the operator holding the drone's control, the flight's pilot, or any drone
    operator when nobody holds control. The drone is free for a new flight afterwards. Audited
    whatever the outcome.
    """
    before = flight.status
    try:
        _check_cancel(flight, actor)
        cancelled = Flight.objects.filter(pk=flight.pk, status=before).update(
            status=Flight.Status.CANCELLED, ended_at=timezone.now()
        )
        if not cancelled:
            flight.refresh_from_db()
            raise Conflict(
                _("Flight %(flight)s changed to %(status)s meanwhile; nothing was cancelled.")
                % {"flight": flight.pk, "status": flight.get_status_display()},
                code="changed",
            )
    except DomainError as exc:
        audit_record(
            actor=actor,
            action="flight.cancel",
            obj=flight,
            after={"ok": False, "refused": True, "error": {"code": exc.code, "message": exc.message}},
            ip_address=ip_address,
        )
        raise
    audit_record(
        actor=actor,
        action="flight.cancel",
        obj=flight,
        before={"status": before},
        after={"ok": True, "status": Flight.Status.CANCELLED},
        ip_address=ip_address,
    )
    flight.refresh_from_db()
    return flight


def flights_recent(drone: Drone, *, days: int = 30):
    return Flight.objects.filter(drone=drone, created_at__gte=timezone.now() - dt.timedelta(days=days))
