"""Operator commands to a drone: checked here, carried out by the bridge that holds its link.

``check_drone_command`` validates everything and raises a clear error:
the role, the drone's status, the operator's control lock, a valid pilot
licence for anything that starts a flight, and the arguments (a take-off or
go-to above the legal ceiling is refused here, before any radio traffic).
``do_drone_command`` sends it through the channel layer and waits for the
answer. Every attempt, accepted or not, goes to the audit log with who
commanded which drone and what the vehicle said.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from common.audit import audit_record
from common.errors import DomainError, NotAllowed
from common.geo import point_problem
from common.roles import Capability, can
from drones.bridge.protocol import BridgeUnavailable, call_bridge
from drones.models import ControlLock, Drone, Pilot

COMMANDS = ("arm", "disarm", "takeoff", "land", "rtl", "mode", "goto", "pause", "resume")
FLIGHT_STARTING = {"arm", "takeoff", "goto", "resume"}
# Modes an operator may choose from the page or API (others need a ground station).
OPERATOR_MODES = ("GUIDED", "LOITER", "BRAKE", "RTL", "LAND", "AUTO")


class CommandInvalid(DomainError):
    code = "invalid"


class CommandFailed(DomainError):
    """The vehicle (or the link to it) did not carry the command out."""

    http_status = 409


_STATUS_BY_CODE = {
    "command_rejected": 409,
    "timeout": 504,
    "link_lost": 503,
    "not_ready": 409,
    "bridge_unavailable": 503,
    "not_owned": 503,
    "internal": 502,
}


@dataclass(frozen=True)
class CheckedCommand:
    drone: Drone
    command: str
    args: dict[str, Any]


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


def check_drone_command(*, drone: Drone, actor, command: str, args: dict[str, Any] | None = None) -> CheckedCommand:
    args = dict(args or {})
    if not can(actor, Capability.COMMAND_DRONES):
        raise NotAllowed(_("You may not command drones."))
    if command not in COMMANDS:
        raise CommandInvalid(
            _("Unknown command “%(command)s”; use one of: %(commands)s.")
            % {"command": command, "commands": ", ".join(COMMANDS)}
        )
    if drone.status != Drone.Status.AVAILABLE:
        raise NotAllowed(
            _("%(drone)s is %(status)s and cannot be flown.") % {"drone": drone, "status": drone.get_status_display()},
            code="drone_unavailable",
        )
    lock = ControlLock.objects.filter(drone=drone).select_related("holder").first()
    if lock is None or lock.expired() or lock.holder_id != actor.pk:
        holder = lock.holder.get_username() if lock and not lock.expired() else None
        if holder:
            message = _("Take control of %(drone)s first (it is controlled by %(holder)s).") % {
                "drone": drone,
                "holder": holder,
            }
        else:
            message = _("Take control of %(drone)s first.") % {"drone": drone}
        raise NotAllowed(message, code="no_control_lock")
    if command in FLIGHT_STARTING:
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
    elif command == "mode":
        mode = str(args.get("mode", "")).upper()
        if mode not in OPERATOR_MODES:
            raise CommandInvalid(
                _("Mode “%(mode)s” cannot be chosen here; use one of: %(modes)s.")
                % {"mode": mode, "modes": ", ".join(OPERATOR_MODES)}
            )
        clean["mode"] = mode
    return CheckedCommand(drone, command, clean)


async def do_drone_command(checked: CheckedCommand, *, actor, ip_address: str | None = None) -> dict[str, Any]:
    """Send the command to the bridge and wait; audit the outcome; raise CommandFailed if it did not happen."""
    drone = checked.drone
    try:
        reply = await call_bridge(drone.id, checked.command, checked.args, timeout_s=settings.DRONE_COMMAND_TIMEOUT_S)
    except BridgeUnavailable as exc:
        reply = {"ok": False, "error": {"code": "bridge_unavailable", "message": str(exc)}}
    outcome = {"ok": reply.get("ok", False), "error": reply.get("error")}
    await sync_to_async(audit_record)(
        actor=actor,
        action=f"drone.command.{checked.command}",
        obj=drone,
        after={"args": checked.args, **outcome, "at": timezone.now().isoformat()},
        ip_address=ip_address,
    )
    if not reply.get("ok"):
        error = reply.get("error") or {}
        code = error.get("code", "failed")
        failure = CommandFailed(
            _("%(command)s on %(drone)s failed: %(message)s")
            % {"command": checked.command, "drone": drone, "message": error.get("message", "")},
            code=code,
            details=[error],
        )
        failure.http_status = _STATUS_BY_CODE.get(code, 409)
        raise failure
    return reply
