"""How many people a broadcast reaches: the model, the planned estimate and the measurement from a flight.

The model (README.md, "Reach model"), per occurrence:

1. **Full loops.** People take in a message they hear in full: only complete loops of the playlist
   count. ``covered_s = floor(broadcast_s / loop_s) * loop_s``; no full loop, no reach.
2. **Share of the crowd.** A visitor stays ``dwell_s`` (a rural market's shopper about 45 minutes, a night
   market's 30, a pupil at the gate 10); broadcasting for ``covered_s`` during a window of ``window_s``
   reaches those present at some time during it: ``min(cap, (covered_s + dwell_s) / window_s)``, where
   ``cap`` (0.8) stands for the people out of earshot or not listening.
3. **Reach.** ``expected_crowd * share``, rounded down.
4. **Repeat visitors.** Many people come to every session of their market (and pupils come to school
   every day): the first visit of a place in a campaign counts in full; every further visit counts only
   the newcomers, ``1 - repeat_share`` of its reach (``repeat_share`` 0.6 for markets, 0.9 for schools).
   So the campaign's reach of one place is ``r1 + (1 - repeat_share) * (r2 + r3 + ...)``: visiting the
   same market again adds less each time.

The planned estimate uses the campaign's broadcast minutes per visit (``Campaign.min_broadcast_min``, or
the playlist twice); the measurement uses what the drone did: the seconds of its own track, in the flight,
with the loudspeaker on while inside the market's crowd area (or within ``SCHOOL_RADIUS_M`` of the
school), never the plan.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from shapely import geometry as shp
from shapely.prepared import prep

from drones.missions.frame import LocalFrame
from drones.missions.markets import market_crowd_area

SCHOOL_RADIUS_M = 150.0
# The longest gap between two track points that still counts as continuous broadcasting (the bridge
# writes a point a second; a lost second or two must not zero the measurement, a lost minute must).
MAX_TRACK_GAP_S = 5.0


@dataclass(frozen=True)
class ReachParameters:
    """The model's constants, from settings (``CAMPAIGN_REACH``) with the defaults documented above."""

    cap: float = 0.8
    dwell_market_s: float = 45 * 60
    dwell_night_market_s: float = 30 * 60
    dwell_school_s: float = 10 * 60
    repeat_share_market: float = 0.6
    repeat_share_school: float = 0.9

    @classmethod
    def from_settings(cls) -> ReachParameters:
        values = dict(getattr(settings, "CAMPAIGN_REACH", {}) or {})
        return cls(**{k: float(v) for k, v in values.items() if k in cls.__dataclass_fields__})


def full_loops_s(broadcast_s: float, loop_s: float) -> float:
    """The seconds of complete playlist loops in ``broadcast_s``."""
    if loop_s <= 0 or broadcast_s <= 0 or not math.isfinite(broadcast_s):
        return 0.0
    return math.floor(broadcast_s / loop_s + 1e-9) * loop_s


def crowd_share(*, covered_s: float, window_s: float, dwell_s: float, cap: float) -> float:
    """The share of a window's crowd present while ``covered_s`` of full loops were broadcast."""
    if covered_s <= 0 or window_s <= 0:
        return 0.0
    return min(cap, (covered_s + dwell_s) / window_s)


def occurrence_reach(
    *, expected_crowd: int, broadcast_s: float, loop_s: float, window_s: float, dwell_s: float, cap: float
) -> int:
    """People reached by one visit (before the repeat-visitor discount)."""
    covered = full_loops_s(broadcast_s, loop_s)
    return int(expected_crowd * crowd_share(covered_s=covered, window_s=window_s, dwell_s=dwell_s, cap=cap))


def place_reach(visit_reaches: Sequence[int], *, repeat_share: float) -> int:
    """The reach of all visits to one place, in time order: the first in full, later ones only newcomers."""
    if not visit_reaches:
        return 0
    first, *later = visit_reaches
    return int(first + (1.0 - repeat_share) * sum(later))


def dwell_for(occurrence, params: ReachParameters) -> float:
    if occurrence.school_id:
        return params.dwell_school_s
    if occurrence.market is not None and occurrence.market.kind == "night":
        return params.dwell_night_market_s
    return params.dwell_market_s


def repeat_share_for(occurrence, params: ReachParameters) -> float:
    return params.repeat_share_school if occurrence.school_id else params.repeat_share_market


def window_s(occurrence) -> float:
    return max(1.0, (occurrence.window_end - occurrence.window_start).total_seconds())


# --- measuring a flight ------------------------------------------------------------------------------


def target_area(occurrence):
    """The polygon the broadcast must be over, WGS-84 shapely: the market's crowd area or the school's circle."""
    if occurrence.market_id:
        area = market_crowd_area(occurrence.market)
        return shp.shape(area) if area else None
    school = occurrence.school
    frame = LocalFrame(school.lat, school.lon)
    return shp.shape(frame.geojson(shp.Point(0.0, 0.0).buffer(SCHOOL_RADIUS_M, quad_segs=8)))


@dataclass(frozen=True)
class TrackSample:
    at: dt.datetime
    lat: float
    lon: float
    speaker_on: bool | None


def broadcast_seconds(samples: Iterable[TrackSample], area) -> float:
    """Seconds with the loudspeaker on inside ``area``, from consecutive track samples.

    Each interval between two samples counts when both ends are inside with the loudspeaker on and the
    gap is at most ``MAX_TRACK_GAP_S``. Samples with impossible values (not finite) are skipped.
    """
    if area is None:
        return 0.0
    inside = prep(area)
    total = 0.0
    previous: tuple[dt.datetime, bool] | None = None
    for sample in samples:
        if not (math.isfinite(sample.lat) and math.isfinite(sample.lon)):
            previous = None
            continue
        on = bool(sample.speaker_on) and inside.contains(shp.Point(sample.lon, sample.lat))
        if previous is not None:
            gap = (sample.at - previous[0]).total_seconds()
            if previous[1] and on and 0 < gap <= MAX_TRACK_GAP_S:
                total += gap
        previous = (sample.at, on)
    return total


__all__ = [
    "MAX_TRACK_GAP_S",
    "SCHOOL_RADIUS_M",
    "ReachParameters",
    "TrackSample",
    "broadcast_seconds",
    "crowd_share",
    "dwell_for",
    "full_loops_s",
    "occurrence_reach",
    "place_reach",
    "repeat_share_for",
    "target_area",
    "window_s",
]
