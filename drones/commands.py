"""The one command path to a drone, whichever page or service sends the command.

``check_drone_command`` validates everything and raises a clear error: the role,
the drone's status, the operator's control lock (holder and expiry), a valid
pilot licence for anything that starts a flight, the flight's state for a flight
command, and the arguments (a take-off or go-to above the legal ceiling, or a
go-to outside the drone's uploaded geofence, is refused here, before any radio
traffic). ``do_drone_command`` sends it to the bridge that holds the link, waits
for the answer and turns a failure into a ``CommandFailed`` whose code and
message say what happened (the MAV_RESULT and the vehicle's reasons, no answer
in time, link lost, no bridge) and whose ``http_status`` the API returns.

``drone_command`` is the entry point the API views and the flight services use:
check, then do, and one audit entry per attempt whatever its outcome, refusals
included. The entry is written in autocommit, after the check and after the
bridge's answer, so no rollback can undo it; and no database transaction is
open while the bridge is awaited (up to ``DRONE_COMMAND_TIMEOUT_S``, 60 s for a
mission start). Callers must not wrap it in ``transaction.atomic``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from common.audit import audit_record
from common.errors import Conflict, DomainError, NotAllowed
from common.geo import point_problem
from common.roles import Capability, can
from drones.bridge.protocol import BridgeUnavailable, call_bridge
from drones.models import ControlLock, Drone, Flight, Pilot


@dataclass(frozen=True)
class CommandSpec:
    """How one command is checked and carried out."""

    starts_flight: bool = False  # needs a valid pilot licence
    operator: bool = True  # offered by the command API and the live map (others are sent by services)
    audited: bool = True  # reading parameters changes nothing and is not audited
    timeout_s: float | None = None  # None: DRONE_COMMAND_TIMEOUT_S


SPECS: dict[str, CommandSpec] = {
    "arm": CommandSpec(starts_flight=True),
    "disarm": CommandSpec(),
    "takeoff": CommandSpec(starts_flight=True),
    "land": CommandSpec(),
    "rtl": CommandSpec(),
    "mode": CommandSpec(),
    "goto": CommandSpec(starts_flight=True),
    "pause": CommandSpec(),
    "resume": CommandSpec(starts_flight=True),
    "read_params": CommandSpec(operator=False, audited=False),
    "set_params": CommandSpec(operator=False),
    "mission_run": CommandSpec(starts_flight=True, operator=False, timeout_s=60.0),
}
COMMANDS = tuple(name for name, spec in SPECS.items() if spec.operator)
FLIGHT_STARTING = {name for name, spec in SPECS.items() if spec.starts_flight}
# Sent for a flight that is in the air (the flight page's pause/resume/abort/land).
FLIGHT_CONTROL = {"pause", "resume", "rtl", "land"}
# Modes an operator may choose from the page or API (others need a ground station).
OPERATOR_MODES = ("GUIDED", "LOITER", "BRAKE", "RTL", "LAND", "AUTO")

FENCE_INCLUSION_POLYGON = 5001
FENCE_EXCLUSION_POLYGON = 5002
FENCE_INCLUSION_CIRCLE = 5003
FENCE_EXCLUSION_CIRCLE = 5004


class CommandInvalid(DomainError):
    code = "invalid"


class CommandFailed(DomainError):
    """The vehicle (or the link to it) did not carry the command out; ``code`` says how."""

    http_status = 409


# Bridge error codes (drones.vehicle errors and the bridge's own) to HTTP statuses.
STATUS_BY_CODE = {
    "command_rejected": 409,
    "mission_active": 409,
    "mission_transfer_failed": 409,
    "not_ready": 409,
    "invalid": 400,
    "timeout": 504,
    "link_lost": 503,
    "bridge_unavailable": 503,
    "not_owned": 503,
    "internal": 502,
}


@dataclass(frozen=True)
class CheckedCommand:
    """A command that passed every check. ``action``/``obj`` name it in the audit log."""

    drone: Drone
    command: str
    args: dict[str, Any]
    action: str = ""
    obj: models.Model | None = None
    reason: str = ""

    @property
    def spec(self) -> CommandSpec:
        return SPECS.get(self.command, CommandSpec())  # an unknown name is refused, and still audited


def _number(args: dict[str, Any], name: str, low: float, high: float, unit: str) -> float:
    try:
        value = float(args[name])
    except KeyError:
        raise CommandInvalid(_("Missing argument %(name)s.") % {"name": name}) from None
    except (TypeError, ValueError):
        raise CommandInvalid(_("%(name)s must be a number.") % {"name": name}) from None
    if math.isnan(value) or not low <= value <= high:
        raise CommandInvalid(
            _("%(name)s = %(value)s is outside %(low)s–%(high)s %(unit)s.")
            % {"name": name, "value": f"{value:g}", "low": f"{low:g}", "high": f"{high:g}", "unit": unit}
        )
    return value


def check_control(*, drone: Drone, actor, now=None) -> ControlLock:
    """The role and a live control lock held by ``actor``; returns the lock. Raises ``NotAllowed``."""
    if not can(actor, Capability.COMMAND_DRONES):
        raise NotAllowed(_("You may not command drones."))
    lock = ControlLock.objects.filter(drone=drone).select_related("holder").first()
    now = now or timezone.now()
    if lock is None or lock.expired(now) or lock.holder_id != actor.pk:
        holder = lock.holder.get_username() if lock and not lock.expired(now) else None
        if holder:
            message = _("Take control of %(drone)s first (it is controlled by %(holder)s).") % {
                "drone": drone,
                "holder": holder,
            }
        elif lock is not None and lock.holder_id == actor.pk:
            message = _("Your control of %(drone)s lapsed at %(time)s; take control again.") % {
                "drone": drone,
                "time": timezone.localtime(lock.expires_at).strftime("%H:%M:%S"),
            }
        else:
            message = _("Take control of %(drone)s first.") % {"drone": drone}
        raise NotAllowed(message, code="no_control_lock", details=[{"holder": holder}])
    return lock


def check_pilot_licence(actor) -> Pilot:
    """A registered pilot with a licence valid today. Raises ``NotAllowed``."""
    pilot = Pilot.objects.filter(user=actor).first()
    if pilot is None:
        raise NotAllowed(
            _("Only a registered pilot may fly a drone; ask an administrator to add your licence."),
            code="not_a_pilot",
        )
    if not pilot.licence_valid:
        raise NotAllowed(
            _("Your pilot licence %(licence)s expired on %(date)s.")
            % {"licence": pilot.licence_no, "date": pilot.licence_expiry},
            code="licence_expired",
        )
    return pilot


def _fence_flight(drone: Drone) -> Flight | None:
    """The flight whose fence is on the vehicle: the active one, else the last one that started.

    ArduCopter keeps an uploaded fence (in storage, across reboots) until another replaces it,
    so a go-to after a mission is still held to that mission's fence.
    """
    flights = Flight.objects.filter(drone=drone).filter(Q(status__in=Flight.ACTIVE) | Q(started_at__isnull=False))
    return flights.order_by("-created_at", "-pk").only("pk", "fence").first()


def fence_problem(fence_items: list[list[Any]], lat: float, lon: float) -> str | None:
    """Why ArduCopter would refuse a destination (WGS-84) against these fence items, or None.

    Items are wire rows ``[command, frame, x=lat, y=lon, z, p1, ...]``. Like ArduCopter's
    polygon fence: the point must be inside every inclusion polygon and circle and outside
    every exclusion. The circle fence around home (FENCE_RADIUS) and the altitude fence are
    parameters, not items, and are not known here.
    """
    from shapely import geometry as shp

    from common.geo import haversine_m

    point = shp.Point(lon, lat)
    index = 0
    while index < len(fence_items):
        row = fence_items[index]
        command, x, y, p1 = int(row[0]), float(row[2]), float(row[3]), float(row[5])
        if command in (FENCE_INCLUSION_POLYGON, FENCE_EXCLUSION_POLYGON):
            count = max(int(p1), 1)
            ring = [(float(r[3]), float(r[2])) for r in fence_items[index : index + count]]
            index += count
            if len(ring) < 3:
                continue
            inside = shp.Polygon(ring).covers(point)
            if command == FENCE_INCLUSION_POLYGON and not inside:
                return _("it is outside the inclusion fence")
            if command == FENCE_EXCLUSION_POLYGON and inside:
                return _("it is inside an exclusion zone of the fence")
            continue
        index += 1
        if command in (FENCE_INCLUSION_CIRCLE, FENCE_EXCLUSION_CIRCLE):
            distance_m = haversine_m(lat, lon, x, y)
            if command == FENCE_INCLUSION_CIRCLE and distance_m > p1:
                return _("it is outside the inclusion circle of the fence")
            if command == FENCE_EXCLUSION_CIRCLE and distance_m < p1:
                return _("it is inside an exclusion circle of the fence")
    return None


def _check_goto_fence(drone: Drone, lat: float, lon: float) -> None:
    flight = _fence_flight(drone)
    items = (flight.fence or {}).get("items") if flight else None
    if not items:
        return
    problem = fence_problem(items, lat, lon)
    if problem:
        raise CommandInvalid(
            _(
                "The go-to point %(lat).6f, %(lon).6f is refused: %(problem)s uploaded with flight %(flight)s. "
                "ArduCopter would not fly there; choose a point inside the operating area."
            )
            % {"lat": lat, "lon": lon, "problem": problem, "flight": flight.pk},
            code="outside_fence",
        )


def _check_flight(command: str, flight: Flight) -> None:
    if command not in FLIGHT_CONTROL | {"mission_run", "set_params", "read_params"}:
        raise CommandInvalid(
            _("“%(command)s” is not a command for a mission flight; use pause, resume, abort or land.")
            % {"command": command},
        )
    if command in FLIGHT_CONTROL and not flight.active:
        raise Conflict(
            _("Flight %(flight)s is not flying (%(status)s).")
            % {"flight": flight.pk, "status": flight.get_status_display()},
            code="not_flying",
        )


def check_drone_command(
    *,
    drone: Drone,
    actor,
    command: str,
    args: dict[str, Any] | None = None,
    flight: Flight | None = None,
    action: str = "",
    reason: str = "",
) -> CheckedCommand:
    """Validate a command for ``drone`` by ``actor``; raise ``NotAllowed``/``CommandInvalid`` with the reason.

    ``flight``: the mission flight the command is for (its state is checked and it is the audited
    object). Altitudes are metres above home, positions WGS-84.
    """
    args = dict(args or {})
    if not can(actor, Capability.COMMAND_DRONES):
        raise NotAllowed(_("You may not command drones."))
    spec = SPECS.get(command)
    if spec is None:
        raise CommandInvalid(
            _("Unknown command “%(command)s”; use one of: %(commands)s.")
            % {"command": command, "commands": ", ".join(COMMANDS)}
        )
    if drone.status != Drone.Status.AVAILABLE:
        raise NotAllowed(
            _("%(drone)s is %(status)s and cannot be flown.") % {"drone": drone, "status": drone.get_status_display()},
            code="drone_unavailable",
        )
    check_control(drone=drone, actor=actor)
    if spec.starts_flight:
        check_pilot_licence(actor)
    if flight is not None:
        _check_flight(command, flight)
    ceiling = settings.DRONE_MAX_HEIGHT_M
    clean: dict[str, Any] = {}
    if command == "takeoff":
        clean["alt_m"] = _number(args, "alt_m", 1.0, ceiling, "m")
    elif command == "goto":
        clean["lat"] = _number(args, "lat", -90, 90, "°")
        clean["lon"] = _number(args, "lon", -180, 180, "°")
        clean["alt_m"] = _number(args, "alt_m", 2.0, ceiling, "m")
        problem = point_problem(clean["lat"], clean["lon"])
        if problem:
            raise CommandInvalid(problem)
        _check_goto_fence(drone, clean["lat"], clean["lon"])
    elif command == "mode":
        mode = str(args.get("mode", "")).upper()
        if mode not in OPERATOR_MODES:
            raise CommandInvalid(
                _("Mode “%(mode)s” cannot be chosen here; use one of: %(modes)s.")
                % {"mode": mode, "modes": ", ".join(OPERATOR_MODES)}
            )
        clean["mode"] = mode
    elif not spec.operator:
        clean = args  # built by the services (parameter names and values, the flight's plan)
    return CheckedCommand(
        drone=drone,
        command=command,
        args=clean,
        action=action or f"drone.command.{command}",
        obj=flight if flight is not None else drone,
        reason=reason,
    )


def _explain(command: str, error: dict[str, Any]) -> str:
    """The bridge's message, plus what a bare MAV_RESULT usually means for this command."""
    message = str(error.get("message") or _("the vehicle did not do it"))
    if command == "goto" and error.get("code") == "command_rejected" and error.get("result") in ("FAILED", "DENIED"):
        message += " — " + _(
            "ArduCopter refuses a reposition outside its geofence (the uploaded polygon, FENCE_RADIUS around "
            "home, above FENCE_ALT_MAX) or when it cannot switch to GUIDED; check the fence and the mode."
        )
    return message


def _failure(checked: CheckedCommand, error: dict[str, Any]) -> CommandFailed:
    code = str(error.get("code") or "failed")
    failure = CommandFailed(
        _("%(command)s on %(drone)s failed: %(message)s")
        % {"command": checked.command, "drone": checked.drone, "message": _explain(checked.command, error)},
        code=code,
        details=[error],
    )
    failure.http_status = STATUS_BY_CODE.get(code, 409)
    return failure


def _audited_args(command: str, args: dict[str, Any]) -> dict[str, Any]:
    """The arguments as the audit log keeps them: a mission's plan by its size, not item by item."""
    plan = args.get("plan")
    if command == "mission_run" and isinstance(plan, dict):
        return {
            "flight": args.get("flight"),
            **{f"{key}_items": len(plan.get(key) or []) for key in ("mission", "fence", "rally")},
        }
    return args


def _outcome(command: str, args: dict[str, Any], *, ok: bool, error: dict[str, Any] | None, refused: bool) -> dict:
    return {
        "command": command,
        "args": _audited_args(command, args),
        "ok": ok,
        "refused": refused,
        "error": error,
        "at": timezone.now().isoformat(),
    }


def _audit(checked: CheckedCommand, *, actor, ip_address: str | None, outcome: dict[str, Any]) -> None:
    if not checked.spec.audited:
        return
    audit_record(
        actor=actor,
        action=checked.action,
        obj=checked.obj,
        after=outcome,
        reason=checked.reason,
        ip_address=ip_address,
    )


async def do_drone_command(
    checked: CheckedCommand, *, actor, ip_address: str | None = None, timeout_s: float | None = None
) -> dict[str, Any]:
    """Send a checked command to the bridge and wait; audit the outcome; raise ``CommandFailed`` if not done.

    Reply: ``{"ok": True, "telemetry": {...}, "result": {...}}``.
    """
    if timeout_s is None:
        timeout_s = max(checked.spec.timeout_s or 0.0, settings.DRONE_COMMAND_TIMEOUT_S)
    try:
        reply = await call_bridge(checked.drone.id, checked.command, checked.args, timeout_s=timeout_s)
    except BridgeUnavailable as exc:
        reply = {"ok": False, "error": {"code": "bridge_unavailable", "message": str(exc)}}
    ok = bool(reply.get("ok"))
    error = None if ok else dict(reply.get("error") or {"code": "failed"})
    outcome = _outcome(checked.command, checked.args, ok=ok, error=error, refused=False)
    await sync_to_async(_audit)(checked, actor=actor, ip_address=ip_address, outcome=outcome)
    if not ok:
        raise _failure(checked, error)
    return reply


def drone_command(
    *,
    drone: Drone,
    actor,
    command: str,
    args: dict[str, Any] | None = None,
    flight: Flight | None = None,
    action: str = "",
    reason: str = "",
    ip_address: str | None = None,
) -> dict[str, Any]:
    """Check and carry out one command; exactly one audit entry whatever the outcome.

    Raises ``NotAllowed``/``CommandInvalid`` (refused, audited with ``refused: true``) or
    ``CommandFailed`` (sent, not done). Never call inside ``transaction.atomic``.
    """
    try:
        checked = check_drone_command(
            drone=drone, actor=actor, command=command, args=args, flight=flight, action=action, reason=reason
        )
    except DomainError as exc:
        command_refusal_audit(
            exc,
            drone=drone,
            actor=actor,
            command=command,
            args=args,
            flight=flight,
            action=action,
            reason=reason,
            ip_address=ip_address,
        )
        raise
    return async_to_sync(do_drone_command)(checked, actor=actor, ip_address=ip_address)


def command_refusal_audit(
    exc: DomainError,
    *,
    drone: Drone,
    actor,
    command: str,
    args: dict[str, Any] | None = None,
    flight: Flight | None = None,
    action: str = "",
    reason: str = "",
    ip_address: str | None = None,
) -> None:
    """Record a command refused before it was sent (``refused: true`` and the error's code and message)."""
    refused = CheckedCommand(
        drone=drone,
        command=command,
        args=dict(args or {}),
        action=(action or f"drone.command.{command}")[:64],
        obj=flight if flight is not None else drone,
        reason=reason,
    )
    error = {"code": exc.code, "message": exc.message}
    outcome = _outcome(command, refused.args, ok=False, error=error, refused=True)
    _audit(refused, actor=actor, ip_address=ip_address, outcome=outcome)
