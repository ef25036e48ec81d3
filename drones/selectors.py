"""Reads for the drone fleet: drones with their live state, events, track."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from drones.live import live_states
from drones.models import Drone, DroneEvent, TrackPoint


def drone_list() -> QuerySet[Drone]:
    return Drone.objects.select_related("station", "lock", "lock__holder").prefetch_related("batteries")


def drones_with_live_state(drones) -> list[Drone]:
    drones = list(drones)
    states = live_states([d.id for d in drones])
    for drone in drones:
        drone.live = states.get(drone.id)
    return drones


def drone_events(drone: Drone, *, limit: int = 100) -> QuerySet[DroneEvent]:
    return drone.events.all()[:limit]


def fleet_recent_events(
    drone_ids: list[int], *, since: dt.datetime, per_drone: int = 50
) -> dict[int, list[dict[str, Any]]]:
    """Each drone's events since ``since``, oldest first, in the shape the fleet websocket sends them
    (``{"t": UNIX s, "kind", "text", "severity", "data"}``): what a page opened now has missed. One query, read
    newest first and bounded: at most ``per_drone`` per drone from the fleet's newest ``per_drone`` x drones.
    """
    out: dict[int, list[dict[str, Any]]] = {i: [] for i in drone_ids}
    rows = (
        DroneEvent.objects.filter(drone_id__in=drone_ids, at__gte=since)
        .order_by("-at", "-id")
        .values_list("drone_id", "at", "kind", "text", "severity", "data")[: per_drone * max(1, len(drone_ids))]
    )
    for drone_id, at, kind, text, severity, data in rows:
        events = out[drone_id]
        if len(events) < per_drone:
            events.append({"t": at.timestamp(), "kind": kind, "text": text, "severity": severity, "data": data})
    for events in out.values():
        events.reverse()
    return out


def drone_track(drone: Drone, *, since=None, until=None) -> QuerySet[TrackPoint]:
    qs = TrackPoint.objects.filter(drone=drone)
    if since is not None:
        qs = qs.filter(at__gte=since)
    if until is not None:
        qs = qs.filter(at__lte=until)
    return qs.order_by("at")
