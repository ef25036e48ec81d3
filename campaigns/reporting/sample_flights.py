"""Sample flights for the sample campaign: a few past sorties flown, so the reach page has something to show.

For each chosen sortie (in the past, with a drone and pilot) ``sample_flights_load`` creates a completed
``Flight`` of its mission, marked in its outcome as sample data, and a synthetic 1 Hz track: a minute from
the launch point to the market with the loudspeaker off, then back and forth along the market street (or
round its area) with the loudspeaker on for some minutes, then back. Then the sortie is measured like any
flown sortie (``sortie_measure``). A sortie that has a flight already is left alone: loading twice changes
nothing.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from shapely import affinity
from shapely import geometry as shp

from campaigns.models import Sortie
from campaigns.reach import target_area
from campaigns.reporting.services import sortie_measure
from common.audit import audit_record
from common.roles import SYSTEM
from drones.models import Flight, TrackPoint

TRANSIT_S = 60
PASS_S = 150  # one way along the street
# Minutes broadcasting over the market, per sample flight in turn: different visits reach differently.
BROADCAST_MIN = (9, 6, 12)
SAMPLE_NOTE = "样例飞行（合成航迹）"


def _route(sortie: Sortie):
    """The line the drone sweeps over the market (WGS-84 shapely, x = lon), or None without a crowd area."""
    occurrence = sortie.occurrence
    market = occurrence.market
    if market is not None and market.street and market.street.get("coordinates"):
        return shp.LineString([tuple(p[:2]) for p in market.street["coordinates"]])
    area = target_area(occurrence)
    if area is None or area.is_empty:
        return None
    return affinity.scale(area, 0.5, 0.5, origin="centroid").exterior


def _point(route, fraction: float) -> tuple[float, float]:
    p = route.interpolate(fraction, normalized=True)
    return p.y, p.x


def _lerp(a: tuple[float, float], b: tuple[float, float], t: float) -> tuple[float, float]:
    return a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t


def sample_track(sortie: Sortie, *, start: dt.datetime, broadcast_s: int, drone_id: int) -> list[TrackPoint]:
    """The synthetic 1 Hz track of one sample flight: out, over the market (speaker on), back."""
    route = _route(sortie)
    if route is None:
        return []
    launch = (sortie.launch_lat, sortie.launch_lon)
    first = _point(route, 0.0)
    points: list[TrackPoint] = []

    def add(second: int, at: tuple[float, float], speaker: bool, battery: int) -> None:
        points.append(
            TrackPoint(
                drone_id=drone_id, at=start + dt.timedelta(seconds=second), lat=at[0], lon=at[1], alt_rel_m=40.0,
                groundspeed_mps=5.0, battery_pct=battery, mode="AUTO", armed=True, speaker_on=speaker,
            )
        )  # fmt: skip

    total = 2 * TRANSIT_S + broadcast_s
    for s in range(TRANSIT_S):
        add(s, _lerp(launch, first, s / TRANSIT_S), False, 100 - 40 * s // total)
    last = first
    for s in range(broadcast_s + 1):
        leg, within = divmod(s, PASS_S)
        fraction = within / PASS_S
        last = _point(route, fraction if leg % 2 == 0 else 1.0 - fraction)
        add(TRANSIT_S + s, last, True, 100 - 40 * (TRANSIT_S + s) // total)
    for s in range(1, TRANSIT_S + 1):
        add(TRANSIT_S + broadcast_s + s, _lerp(last, launch, s / TRANSIT_S), False, 60)
    return points


def past_sorties(campaign, *, now: dt.datetime, count: int) -> list[Sortie]:
    """Up to ``count`` scheduled sorties that ended before ``now``, different places first, latest first."""
    candidates = list(
        Sortie.objects.filter(occurrence__campaign=campaign, status=Sortie.Status.SCHEDULED, flight__isnull=True)
        .filter(end__lt=now)
        .select_related("occurrence__market", "occurrence__school", "pilot__user", "drone", "mission")
        .order_by("-start")
    )
    chosen, places = [], set()
    for sortie in candidates:
        place = (sortie.occurrence.market_id, sortie.occurrence.school_id)
        if place not in places and _route(sortie) is not None:
            chosen.append(sortie)
            places.add(place)
        if len(chosen) == count:
            break
    return sorted(chosen, key=lambda s: s.start)


@transaction.atomic
def sample_flight_fly(*, sortie: Sortie, broadcast_s: int) -> Flight:
    """A completed sample flight of ``sortie`` with its synthetic track, linked to the sortie, then measured."""
    start = sortie.start
    track = sample_track(sortie, start=start, broadcast_s=broadcast_s, drone_id=sortie.drone_id)
    ended = track[-1].at if track else start + dt.timedelta(minutes=1)
    flight = Flight.objects.create(
        mission=sortie.mission, drone=sortie.drone, pilot=sortie.pilot.user, status=Flight.Status.COMPLETED,
        outcome=Flight.Outcome.COMPLETED, outcome_detail=SAMPLE_NOTE, started_at=start, ended_at=ended,
        speaker_on=False,
    )  # fmt: skip
    TrackPoint.objects.bulk_create(track, batch_size=1000)
    Sortie.objects.filter(pk=sortie.pk).update(flight=flight)
    audit_record(actor=SYSTEM, action="flight.create", obj=flight, reason=SAMPLE_NOTE)
    sortie.refresh_from_db()
    sortie_measure(sortie=sortie, actor=SYSTEM, reason=SAMPLE_NOTE)
    return flight


def sample_flights_load(campaign, *, now: dt.datetime | None = None, count: int = 3) -> int:
    """Fly ``count`` past sorties of ``campaign`` with sample flights, when none is flown yet; how many."""
    if Sortie.objects.filter(occurrence__campaign=campaign, flight__isnull=False).exists():
        return 0
    now = now or timezone.now()
    flown = 0
    for index, sortie in enumerate(past_sorties(campaign, now=now, count=count)):
        sample_flight_fly(sortie=sortie, broadcast_s=60 * BROADCAST_MIN[index % len(BROADCAST_MIN)])
        flown += 1
    return flown


__all__ = ["past_sorties", "sample_flight_fly", "sample_flights_load", "sample_track"]
