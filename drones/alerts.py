"""Drone alerts: the events every watcher of a drone must see, with sound, until someone acknowledges them.

Failsafes, fence breaches, a lost link in flight, a low battery, and a flight mode change that
nobody asked for. The bridge marks them as they come (``AlertWatch.mark``, one per drone session,
which knows the commands that session sent); ``_persist`` stores them as ``DroneEvent.alert``
and ``alerts_publish`` pushes each, with its id, to the fleet group as an ``alert`` message.
Pages load the open ones (``drone_alerts_open``) and acknowledge through
``drone_alert_acknowledge``, which every watcher hears of as ``alert.ack``.

Not alerts: "... cleared" texts, a lost link on the ground (the map shows it), a repeat of the
same alert within ``ALERT_WINDOW_S``, and a mode change right after an alert that explains it
(a fence breach's RTL).
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from common.audit import audit_record
from common.errors import NotAllowed
from common.publish import channel_publish, publish_after_commit
from common.roles import Capability, can
from drones.bridge.protocol import FLEET_GROUP
from drones.models import Drone, DroneEvent
from drones.vehicle import VehicleEvent

# Every page's alert banner listens here only (no telemetry); the fleet group gets alerts too.
ALERT_GROUP = "drones.alerts"
# A mode change this long after a command that asked for it is the command's doing.
ALERT_WINDOW_S = 10.0
Alert = DroneEvent.Alert

# The flight modes each bridge command may put the vehicle in (drones/mavlink/commands.py: pause
# is DO_PAUSE_CONTINUE in AUTO, BRAKE otherwise; resume is GUIDED from BRAKE).
COMMAND_MODES: dict[str, frozenset[str]] = {
    "takeoff": frozenset({"GUIDED"}),
    "goto": frozenset({"GUIDED"}),
    "pause": frozenset({"BRAKE", "LOITER"}),
    "resume": frozenset({"GUIDED", "AUTO"}),
    "rtl": frozenset({"RTL"}),
    "abort": frozenset({"RTL"}),
    "land": frozenset({"LAND"}),
    "mission_run": frozenset({"GUIDED", "AUTO"}),
}
# MAV_CMD_NAV_RETURN_TO_LAUNCH and MAV_CMD_NAV_LAND: a mission ending with one switches to that mode.
MISSION_END_MODES = {20: "RTL", 21: "LAND"}


def _is_cleared(text: str) -> bool:
    lowered = text.lower()
    return "cleared" in lowered or "resolved" in lowered


def alert_category(event: VehicleEvent) -> str:
    """The alert an event is by itself (no context): a ``DroneEvent.Alert`` value, or ""."""
    text = event.text or ""
    lowered = text.lower()
    if _is_cleared(text):
        return ""
    if "battery" in lowered and ("failsafe" in lowered or " low" in lowered or "critical" in lowered):
        return Alert.BATTERY
    if event.kind == "fence" or "fence breach" in lowered:
        return Alert.FENCE
    if event.kind == "failsafe":
        return Alert.FAILSAFE
    return ""


class AlertWatch:
    """One drone's alert judge, kept by its bridge session.

    ``note_command`` for every command the session sends (and ``mission_run`` with the plan's
    items), ``mark`` for every event: it returns the event, with ``data["alert"]`` set when
    the event is an alert. ``clock`` is monotonic seconds.
    """

    def __init__(self, *, window_s: float = ALERT_WINDOW_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.window_s = window_s
        self.clock = clock
        self._asked: list[tuple[float, frozenset[str]]] = []
        self._mission_end: frozenset[str] = frozenset()
        self._last_alert: dict[str, float] = {}

    def note_command(self, name: str, args: dict[str, Any] | None = None) -> None:
        modes = COMMAND_MODES.get(name, frozenset())
        if name == "mode" and args and args.get("mode"):
            modes = frozenset({str(args["mode"]).upper()})
        if name == "mission_run":
            self.note_mission((args or {}).get("plan", {}).get("mission", []))
        if modes:
            now = self.clock()
            self._asked = [(t, m) for t, m in self._asked if now - t <= self.window_s] + [(now, modes)]

    def note_mission(self, items: Sequence[Sequence[Any]]) -> None:
        """The mission about to fly (wire rows, command first): its own end mode is not an alert."""
        last = int(items[-1][0]) if items else None
        self._mission_end = frozenset({MISSION_END_MODES[last]}) if last in MISSION_END_MODES else frozenset()

    def _asked_for(self, mode: str, now: float) -> bool:
        if mode in self._mission_end:
            return True
        return any(now - t <= self.window_s and mode in modes for t, modes in self._asked)

    def _recent_alert(self, now: float, category: str | None = None) -> bool:
        return any(now - t <= self.window_s for c, t in self._last_alert.items() if category is None or c == category)

    def mark(self, event: VehicleEvent, *, armed: bool) -> VehicleEvent:
        now = self.clock()
        if event.kind == "disarmed":
            self._mission_end = frozenset()  # the mission is over: its RTL no longer explains anything
        category = alert_category(event)
        if not category and event.kind == "link_lost" and armed:
            category = Alert.LINK_LOST
        if not category and event.kind == "mode" and armed:
            new_mode = str(event.data.get("to", ""))
            if new_mode and not self._asked_for(new_mode, now) and not self._recent_alert(now):
                category = Alert.MODE
        if not category or self._recent_alert(now, category):
            return event
        self._last_alert[category] = now
        return dataclasses.replace(event, data={**event.data, "alert": str(category)})


# --- reads ---------------------------------------------------------------------------------------


def drone_alerts_open(*, user, limit: int = 50) -> QuerySet[DroneEvent]:
    """Unacknowledged alerts of the drones ``user`` may see, newest first."""
    if not can(user, Capability.VIEW_DRONES):
        return DroneEvent.objects.none()
    return (
        DroneEvent.objects.filter(acknowledged_at__isnull=True)
        .exclude(alert="")
        .exclude(drone__status=Drone.Status.RETIRED)
        .select_related("drone")
        .order_by("-at", "-id")[:limit]
    )


def drone_alert_get(*, user, alert_id: int) -> DroneEvent | None:
    """One alert (acknowledged or not) ``user`` may see, or None."""
    if not can(user, Capability.VIEW_DRONES):
        return None
    return DroneEvent.objects.exclude(alert="").select_related("drone", "acknowledged_by").filter(pk=alert_id).first()


def alert_as_dict(event: DroneEvent) -> dict[str, Any]:
    by = event.acknowledged_by
    return {
        "id": event.pk,
        "drone": event.drone_id,
        "drone_name": event.drone.name,
        "at": event.at.isoformat(),
        "alert": event.alert,
        "label": str(Alert(event.alert).label) if event.alert in Alert.values else event.alert,
        "kind": event.kind,
        "severity": event.severity,
        "text": event.text,
        "acknowledged_by": (by.get_full_name() or by.get_username()) if by else None,
        "acknowledged_at": event.acknowledged_at.isoformat() if event.acknowledged_at else None,
    }


# --- writes --------------------------------------------------------------------------------------


def drone_alert_acknowledge(*, event: DroneEvent, actor) -> DroneEvent:
    """Mark an alert seen by ``actor``; every watcher's page drops it. Audited whatever the outcome.

    Acknowledging twice is harmless: the first acknowledgement stands.
    """
    if not can(actor, Capability.VIEW_DRONES):
        audit_record(actor=actor, action="drone.alert.ack", obj=event, after={"outcome": "not_allowed"})
        raise NotAllowed(_("You may not see drones."))
    with transaction.atomic():
        current = (
            DroneEvent.objects.select_for_update(of=("self",))
            .select_related("drone", "acknowledged_by")
            .get(pk=event.pk)
        )
        if current.acknowledged_at is not None:
            audit_record(actor=actor, action="drone.alert.ack", obj=current, after={"outcome": "already"})
            return current
        current.acknowledged_by = actor
        current.acknowledged_at = timezone.now()
        current.full_clean()
        current.save(update_fields=["acknowledged_by", "acknowledged_at"])
        audit_record(
            actor=actor,
            action="drone.alert.ack",
            obj=current,
            after={"outcome": "acknowledged", "alert": current.alert, "text": current.text},
        )
        payload = alert_as_dict(current)
        publish_after_commit(
            (ALERT_GROUP, FLEET_GROUP), _message({"type": "alert.ack", "alert": payload}, current.drone_id)
        )
    return current


# --- pushing ---------------------------------------------------------------------------------


def _message(payload: dict[str, Any], drone_id: int) -> dict[str, Any]:
    kind = "drone.alert.ack" if payload["type"] == "alert.ack" else "drone.alert"
    return {"type": kind, "drone": drone_id, "text": json.dumps(payload)}


def alerts_publish(events: Iterable[DroneEvent]) -> None:
    """Push stored alerts (with their ids, for acknowledgement) to every open page."""
    for event in events:
        if event.alert and event.pk is not None:
            # The alert is stored; a full or broken layer is logged, and pages loaded later show it.
            channel_publish(
                (ALERT_GROUP, FLEET_GROUP), _message({"type": "alert", "alert": alert_as_dict(event)}, event.drone_id)
            )
