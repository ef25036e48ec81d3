"""Reads for the drone fleet: drones with their live state, events, track."""

from __future__ import annotations

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


def drone_track(drone: Drone, *, since=None, until=None) -> QuerySet[TrackPoint]:
    qs = TrackPoint.objects.filter(drone=drone)
    if since is not None:
        qs = qs.filter(at__gte=since)
    if until is not None:
        qs = qs.filter(at__lte=until)
    return qs.order_by("at")
