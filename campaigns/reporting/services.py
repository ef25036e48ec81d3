"""Measuring a flown sortie: the broadcast over the crowd from the flight's own track, and its reach.

``sortie_measure`` reads the drone's ``TrackPoint`` rows between the flight's take-off and landing, counts
the seconds with the loudspeaker on inside the occurrence's target area (``campaigns.reach``), stores
``Sortie.broadcast_s`` and ``Sortie.reach`` (``occurrence_reach`` for the playlist's loop, the occurrence's
window and crowd, ``ReachParameters.from_settings()``), and marks the sortie and its occurrence flown. It is
idempotent: measuring again with the same track writes nothing and audits nothing.

Three ways in: the ``drones.missions.signals.flight_ended`` signal after a flight linked to a sortie lands
or fails (``on_flight_ended``, connected in ``CampaignsConfig.ready``), a planner's "measure again"
(``campaign_measure`` from the reach page or the API), and ``manage.py measure_sorties``.

The vehicle's values may be missing or impossible (``None``, NaN): such points are skipped, never stored,
and never reach a JSON answer.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.models import Campaign, Occurrence, Sortie
from campaigns.planning.selectors import playlist_loop_s
from campaigns.reach import (
    ReachParameters,
    TrackSample,
    broadcast_seconds,
    dwell_for,
    occurrence_reach,
    target_area,
    window_s,
)
from common.audit import audit_record
from common.errors import DomainError, NotAllowed
from common.roles import SYSTEM, Capability, can
from drones.models import Flight, TrackPoint

logger = logging.getLogger(__name__)

# A flight in one of these states has ended: its track is complete.
ENDED = (Flight.Status.COMPLETED, Flight.Status.ABORTED, Flight.Status.FAILED)


class MeasureError(DomainError):
    code = "sortie_measure_invalid"


@dataclass(frozen=True)
class Measurement:
    broadcast_s: float
    reach: int
    points: int


@dataclass
class MeasureResult:
    """What measuring a campaign did: sorties measured, changed, skipped (with why)."""

    measured: int = 0
    changed: int = 0
    skipped: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"measured": self.measured, "changed": self.changed, "skipped": list(self.skipped)}


def _number(value) -> float:
    """A float, or NaN for ``None`` and anything that is not a number (skipped by ``broadcast_seconds``)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def flight_track(flight: Flight) -> list[TrackSample]:
    """The flight's own track: its drone's points from take-off to landing, in time order (WGS-84)."""
    if flight.started_at is None or flight.ended_at is None:
        return []
    rows = (
        TrackPoint.objects.filter(drone_id=flight.drone_id, at__gte=flight.started_at, at__lte=flight.ended_at)
        .order_by("at")
        .values_list("at", "lat", "lon", "speaker_on")
    )
    return track_samples(rows)


def track_samples(rows) -> list[TrackSample]:
    """``(at, lat, lon, speaker_on)`` rows as samples; missing or impossible coordinates become NaN."""
    return [
        TrackSample(at=at, lat=_number(lat), lon=_number(lon), speaker_on=speaker) for at, lat, lon, speaker in rows
    ]


def measure(sortie: Sortie, samples: list[TrackSample], params: ReachParameters | None = None) -> Measurement:
    """The broadcast seconds over the target area in ``samples`` and the reach of that visit."""
    params = params or ReachParameters.from_settings()
    occurrence = sortie.occurrence
    seconds = broadcast_seconds(samples, target_area(occurrence))
    if not math.isfinite(seconds) or seconds < 0:
        seconds = 0.0
    seconds = round(seconds, 1)
    reach = occurrence_reach(
        expected_crowd=occurrence.expected_crowd,
        broadcast_s=seconds,
        loop_s=playlist_loop_s(occurrence.campaign.playlist),
        window_s=window_s(occurrence),
        dwell_s=dwell_for(occurrence, params),
        cap=params.cap,
    )
    return Measurement(broadcast_s=seconds, reach=max(0, int(reach)), points=len(samples))


def check_sortie_measure(*, sortie: Sortie, actor) -> Flight:
    """The sortie has a flight that took off and ended, and ``actor`` may plan campaigns; its flight."""
    if not can(actor, Capability.PLAN_CAMPAIGNS):
        raise NotAllowed(_("You may not measure campaign sorties."))
    flight = sortie.flight
    if flight is None:
        raise MeasureError(_("Sortie %(sortie)s has no flight: fly it first.") % {"sortie": sortie}, code="no_flight")
    if flight.status not in ENDED or flight.ended_at is None:
        raise MeasureError(
            _("Flight %(flight)s of sortie %(sortie)s has not ended (%(status)s).")
            % {"flight": flight.pk, "sortie": sortie, "status": flight.get_status_display()},
            code="flight_not_ended",
        )
    if flight.started_at is None:
        raise MeasureError(
            _("Flight %(flight)s of sortie %(sortie)s never took off, so there is nothing to measure.")
            % {"flight": flight.pk, "sortie": sortie},
            code="never_flown",
        )
    if sortie.status == Sortie.Status.CANCELLED:
        raise MeasureError(_("Sortie %(sortie)s is cancelled.") % {"sortie": sortie}, code="cancelled")
    return flight


def _locked(sortie_id: int) -> Sortie:
    return (
        Sortie.objects.select_for_update(of=("self",))
        .select_related("occurrence__campaign__playlist", "occurrence__market", "occurrence__school", "flight")
        .get(pk=sortie_id)
    )


@transaction.atomic
def sortie_measure(*, sortie: Sortie, actor, reason: str = "") -> tuple[Sortie, bool]:
    """Measure ``sortie`` from its flight's track; store broadcast and reach, mark it and its occurrence
    flown. Returns (the sortie, whether anything changed). Atomic; audited when something changed."""
    sortie = _locked(sortie.pk)
    flight = check_sortie_measure(sortie=sortie, actor=actor)
    result = measure(sortie, flight_track(flight))
    occurrence = sortie.occurrence
    before = {"broadcast_s": sortie.broadcast_s, "reach": sortie.reach, "status": sortie.status}
    after = {"broadcast_s": result.broadcast_s, "reach": result.reach, "status": Sortie.Status.FLOWN}
    occurrence_changed = occurrence.status != Occurrence.Status.FLOWN
    if before == after and not occurrence_changed:
        return sortie, False
    sortie.broadcast_s, sortie.reach, sortie.status = result.broadcast_s, result.reach, Sortie.Status.FLOWN
    sortie.full_clean(exclude=["occurrence", "drone", "pilot", "mission", "flight"])
    sortie.save(update_fields=["broadcast_s", "reach", "status"])
    if occurrence_changed:
        Occurrence.objects.filter(pk=occurrence.pk).update(status=Occurrence.Status.FLOWN, reason="")
    audit_record(
        actor=actor,
        action="sortie.measure",
        obj=sortie,
        before=before,
        after={**after, "flight": flight.pk, "track_points": result.points},
        reason=reason,
    )
    return sortie, True


def measurable_sorties(campaign: Campaign):
    """The campaign's sorties whose flight took off and ended (the ones ``campaign_measure`` measures)."""
    return (
        Sortie.objects.filter(occurrence__campaign=campaign, flight__isnull=False, flight__status__in=ENDED)
        .exclude(flight__started_at__isnull=True)
        .exclude(status=Sortie.Status.CANCELLED)
        .order_by("start", "id")
    )


def campaign_measure(*, campaign: Campaign, actor, reason: str = "") -> MeasureResult:
    """Measure every flown sortie of ``campaign`` again ("measure again"; ``manage.py measure_sorties``).

    Each sortie in its own transaction (one that cannot be measured is reported and the others go on);
    idempotent: unchanged sorties are not written. PLAN_CAMPAIGNS."""
    if not can(actor, Capability.PLAN_CAMPAIGNS):
        raise NotAllowed(_("You may not measure campaign sorties."))
    result = MeasureResult()
    for sortie in measurable_sorties(campaign):
        try:
            _sortie, changed = sortie_measure(sortie=sortie, actor=actor, reason=reason or "measure again")
        except MeasureError as exc:
            result.skipped.append({"sortie": sortie.pk, "code": exc.code, "detail": exc.message})
            continue
        result.measured += 1
        result.changed += int(changed)
    if result.changed:
        audit_record(actor=actor, action="campaign.measure", obj=campaign, after=result.as_dict(), reason=reason)
    return result


def sortie_measure_flight(*, flight_id: int) -> Sortie | None:
    """Measure the sortie flown by flight ``flight_id``, if one is (the system acts). None otherwise."""
    sortie = Sortie.objects.filter(flight_id=flight_id).first()
    if sortie is None:
        return None
    flight = sortie.flight
    if flight.started_at is None:
        return None  # it failed before take-off: the sortie stays planned and can be flown again
    sortie, _changed = sortie_measure(sortie=sortie, actor=SYSTEM, reason=f"flight {flight_id} ended")
    return sortie


def on_flight_ended(sender, *, flight_id: int, **kwargs) -> None:
    """Receiver of ``drones.missions.signals.flight_ended``: measure the sortie the flight flew.

    Runs after the flight's report is committed; a failure here is logged and never reaches the bridge."""
    try:
        sortie_measure_flight(flight_id=flight_id)
    except Exception:  # noqa: BLE001 - the bridge reporting a landing must never fail because of a measurement
        logger.exception("measuring the sortie of flight %s failed", flight_id)


__all__ = [
    "ENDED",
    "MeasureError",
    "MeasureResult",
    "Measurement",
    "campaign_measure",
    "check_sortie_measure",
    "flight_track",
    "measurable_sorties",
    "measure",
    "on_flight_ended",
    "sortie_measure",
    "sortie_measure_flight",
    "track_samples",
]
