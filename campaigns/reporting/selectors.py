"""Reads for reach: per occurrence, per place (repeat visitors discounted), per township and pilot, over
time, per campaign against its target, and the bureau's year against ``CAMPAIGN_YEAR_TARGET``.

Two figures everywhere, both from ``campaigns.reach``:

- **flown**: the visits flown, each with the reach measured from its flight (``Sortie.reach``);
- **expected**: every visit not cancelled, flown ones as measured and the rest as planned (the planned
  broadcast per visit, ``campaign_broadcast_s``): what the campaign reaches if the rest flies as planned.

A place's visits count in time order with ``place_reach`` (the first in full, later ones only their
newcomers); a campaign's reach is the sum over its places, the year's the sum over its campaigns. What a
single visit adds (its *credit*) is what the pilot and month tables sum. Every number is finite: no NaN
reaches a page or a JSON answer.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign, Occurrence, Sortie
from campaigns.planning.selectors import campaign_broadcast_s, playlist_loop_s
from campaigns.reach import ReachParameters, dwell_for, occurrence_reach, repeat_share_for, window_s

# Coverage buckets of the map (visits flown / sessions), lowest first; the page colours them.
COVERAGE_LEVELS = ((0.0, "none"), (0.01, "low"), (0.34, "mid"), (0.67, "high"))


def finite(value, default: float = 0.0) -> float:
    """``value`` as a float, ``default`` for None, NaN or infinity (nothing impossible reaches JSON)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if math.isfinite(number) else default


def year_target() -> int:
    return int(getattr(settings, "CAMPAIGN_YEAR_TARGET", 300_000))


def last_year_reach() -> int:
    return int(getattr(settings, "CAMPAIGN_LAST_YEAR_REACH", 200_000))


@dataclass
class Visit:
    """One sortie as reach counts it."""

    sortie: Sortie
    place: tuple[str, int]
    place_name: str
    township: str
    date: dt.date
    flown: bool
    measured: int  # people reached as measured (flown), else 0
    planned: int  # people expected from the planned broadcast
    broadcast_s: float  # measured seconds over the crowd (flown), else 0
    repeat_share: float
    credit_flown: float = 0.0  # what it adds to the flown reach of its place
    credit_expected: float = 0.0  # what it adds to the expected reach of its place

    @property
    def value(self) -> int:
        """The visit's reach before the repeat discount: measured when flown, else planned."""
        return self.measured if self.flown else self.planned


def township_of(occurrence: Occurrence) -> str:
    station = occurrence.market.station if occurrence.market_id else occurrence.school.responsible_station
    return station.name if station is not None else _("No station")


def visits(campaign: Campaign, *, year: int | None = None, params: ReachParameters | None = None) -> list[Visit]:
    """The campaign's sorties not cancelled, in time order, with measured and planned reach and credits."""
    params = params or ReachParameters.from_settings()
    loop_s = playlist_loop_s(campaign.playlist)
    planned_s = campaign_broadcast_s(campaign)
    sorties = (
        Sortie.objects.filter(occurrence__campaign=campaign)
        .exclude(status=Sortie.Status.CANCELLED)
        .select_related(
            "occurrence__market__station", "occurrence__school__responsible_station", "pilot__user", "drone", "flight"
        )
        .order_by("occurrence__window_start", "id")
    )
    if year is not None:
        sorties = sorties.filter(occurrence__date__year=year)
    result = []
    for sortie in sorties:
        occurrence = sortie.occurrence
        flown = sortie.status == Sortie.Status.FLOWN and sortie.reach is not None
        planned = occurrence_reach(
            expected_crowd=occurrence.expected_crowd,
            broadcast_s=planned_s,
            loop_s=loop_s,
            window_s=window_s(occurrence),
            dwell_s=dwell_for(occurrence, params),
            cap=params.cap,
        )
        result.append(
            Visit(
                sortie=sortie,
                place=("market", occurrence.market_id) if occurrence.market_id else ("school", occurrence.school_id),
                place_name=str(occurrence.market or occurrence.school),
                township=township_of(occurrence),
                date=occurrence.date,
                flown=flown,
                measured=max(0, int(finite(sortie.reach))) if flown else 0,
                planned=max(0, int(planned)),
                broadcast_s=finite(sortie.broadcast_s) if flown else 0.0,
                repeat_share=repeat_share_for(occurrence, params),
            )
        )
    _credit(result)
    return result


def _credit(items: list[Visit]) -> None:
    """Each visit's share of its place's reach: the first visit in full, later ones ``1 - repeat_share``."""
    seen_flown: set = set()
    seen_all: set = set()
    for visit in items:
        if visit.flown:
            visit.credit_flown = visit.measured * (1.0 if visit.place not in seen_flown else 1 - visit.repeat_share)
            seen_flown.add(visit.place)
        visit.credit_expected = visit.value * (1.0 if visit.place not in seen_all else 1 - visit.repeat_share)
        seen_all.add(visit.place)


def reach_of(items: Iterable[Visit], *, flown_only: bool) -> int:
    """The reach of ``items`` (any subset of one campaign's visits, in time order): per place
    ``first + (1 - repeat_share) * (later ones)``, rounded down per place, summed."""
    per_place: dict[tuple, list[Visit]] = defaultdict(list)
    for visit in items:
        if visit.flown or not flown_only:
            per_place[visit.place].append(visit)
    total = 0
    for place_visits in per_place.values():
        values = [v.measured if flown_only else v.value for v in place_visits]
        share = place_visits[0].repeat_share
        total += int(values[0] + (1.0 - share) * sum(values[1:]))
    return total


def _share(value: int, target: int) -> float | None:
    return round(value / target, 4) if target else None


class _Running:
    """A reach total kept up to date as visits are added in time order (one place changes at a time)."""

    def __init__(self) -> None:
        self.total = 0
        self.places: dict[tuple, tuple[float, float, float]] = {}  # place -> (first, later sum, repeat share)

    def add(self, visit: Visit, value: int) -> None:
        first, later, share = self.places.get(visit.place, (None, 0.0, visit.repeat_share))
        if first is not None:
            self.total -= int(first + (1.0 - share) * later)
            later += value
        else:
            first = value
        self.places[visit.place] = (first, later, share)
        self.total += int(first + (1.0 - share) * later)


def _series(items: list[Visit], first: dt.date, last: dt.date, today: dt.date) -> list[dict]:
    """Cumulative reach per day from ``first`` to ``last``: flown (up to today, then null) and expected.
    Each day's figure equals ``reach_of`` of the visits up to that day."""
    flown, expected = _Running(), _Running()
    pending = sorted(items, key=lambda v: v.date)
    index, days = 0, []
    day = first
    while day <= last:
        while index < len(pending) and pending[index].date <= day:
            visit = pending[index]
            if visit.flown:
                flown.add(visit, visit.measured)
            expected.add(visit, visit.value)
            index += 1
        days.append(
            {"date": day.isoformat(), "flown": flown.total if day <= today else None, "expected": expected.total}
        )
        day += dt.timedelta(days=1)
    return days


def _minutes(seconds: float) -> float:
    return round(finite(seconds) / 60.0, 1)


def _flight_min(sortie: Sortie) -> float:
    flight = sortie.flight
    if flight is None or flight.started_at is None or flight.ended_at is None:
        return 0.0
    return round(max(0.0, (flight.ended_at - flight.started_at).total_seconds()) / 60.0, 1)


def _townships(items: list[Visit]) -> list[dict]:
    groups: dict[str, list[Visit]] = defaultdict(list)
    for visit in items:
        groups[visit.township].append(visit)
    rows = [
        {
            "name": name,
            "places": len({v.place for v in group}),
            "sorties": len(group),
            "flown": sum(1 for v in group if v.flown),
            "broadcast_min": _minutes(sum(v.broadcast_s for v in group)),
            "flown_reach": reach_of(group, flown_only=True),
            "expected_reach": reach_of(group, flown_only=False),
        }
        for name, group in groups.items()
    ]
    return sorted(rows, key=lambda r: (-r["flown_reach"], -r["expected_reach"], r["name"]))


def _pilots(items: list[Visit]) -> list[dict]:
    groups: dict[int, list[Visit]] = defaultdict(list)
    for visit in items:
        groups[visit.sortie.pilot_id].append(visit)
    rows = [
        {
            "name": str(group[0].sortie.pilot),
            "sorties": len(group),
            "flown": sum(1 for v in group if v.flown),
            "broadcast_min": _minutes(sum(v.broadcast_s for v in group)),
            "flight_min": round(sum(_flight_min(v.sortie) for v in group if v.flown), 1),
            "flown_reach": int(sum(v.credit_flown for v in group)),
        }
        for group in groups.values()
    ]
    return sorted(rows, key=lambda r: (-r["flown_reach"], -r["flown"], r["name"]))


def coverage_level(coverage: float) -> str:
    level = "none"
    for bound, name in COVERAGE_LEVELS:
        if coverage >= bound:
            level = name
    return level if coverage > 0 else "none"


def _places(campaign: Campaign, items: list[Visit]) -> tuple[list[dict], dict]:
    """Per market and school: sessions, visits, coverage and reach; and the markets as GeoJSON by coverage."""
    sessions: dict[tuple, int] = defaultdict(int)
    occurrences = (
        Occurrence.objects.filter(campaign=campaign)
        .exclude(status=Occurrence.Status.CANCELLED)
        .select_related("market__station", "school__responsible_station")
    )
    info: dict[tuple, Occurrence] = {}
    for occurrence in occurrences:
        key = ("market", occurrence.market_id) if occurrence.market_id else ("school", occurrence.school_id)
        sessions[key] += 1
        info.setdefault(key, occurrence)
    by_place: dict[tuple, list[Visit]] = defaultdict(list)
    for visit in items:
        by_place[visit.place].append(visit)
    rows, features = [], []
    for key, occurrence in info.items():
        group = by_place.get(key, [])
        flown = sum(1 for v in group if v.flown)
        coverage = flown / sessions[key] if sessions[key] else 0.0
        row = {
            "kind": key[0],
            "id": key[1],
            "name": str(occurrence.market or occurrence.school),
            "township": township_of(occurrence),
            "sessions": sessions[key],
            "sorties": len(group),
            "flown": flown,
            "coverage": round(coverage, 3),
            "level": coverage_level(coverage),
            "flown_reach": reach_of(group, flown_only=True),
            "expected_reach": reach_of(group, flown_only=False),
        }
        rows.append(row)
        market = occurrence.market
        if market is not None:
            for geometry in (market.area, market.street):
                if geometry:
                    features.append({"type": "Feature", "geometry": geometry, "properties": {"layer": "market", **row}})
        else:
            school = occurrence.school
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [school.lon, school.lat]},
                    "properties": {"layer": "school", **row},
                }
            )
    rows.sort(key=lambda r: (-r["coverage"], -r["flown_reach"], r["name"]))
    return rows, {"type": "FeatureCollection", "features": features}


def occurrence_rows(campaign: Campaign, items: list[Visit] | None = None) -> list[dict]:
    """Every occurrence with its sortie: measured broadcast and reach when flown, the plan's estimate when not."""
    by_occurrence = {v.sortie.occurrence_id: v for v in (items if items is not None else visits(campaign))}
    rows = []
    occurrences = (
        Occurrence.objects.filter(campaign=campaign)
        .select_related("market__station", "school__responsible_station", "sortie__pilot__user", "sortie__drone")
        .order_by("window_start", "id")
    )
    for occurrence in occurrences:
        visit = by_occurrence.get(occurrence.pk)
        sortie = getattr(occurrence, "sortie", None)
        rows.append(
            {
                "id": occurrence.pk,
                "date": occurrence.date.isoformat(),
                "window_start": f"{timezone.localtime(occurrence.window_start):%H:%M}",
                "window_end": f"{timezone.localtime(occurrence.window_end):%H:%M}",
                "place": str(occurrence.market or occurrence.school),
                "township": township_of(occurrence),
                "status": occurrence.status,
                "status_label": str(occurrence.get_status_display()),
                "expected_crowd": occurrence.expected_crowd,
                "pilot": str(sortie.pilot) if sortie else "",
                "drone": sortie.drone.name if sortie else "",
                "flown": bool(visit and visit.flown),
                "broadcast_min": _minutes(visit.broadcast_s) if visit and visit.flown else None,
                "reach": visit.value if visit else None,
                "measured": bool(visit and visit.flown),
            }
        )
    return rows


def parameters(params: ReachParameters | None = None) -> dict:
    return {k: finite(v) for k, v in asdict(params or ReachParameters.from_settings()).items()}


def campaign_reach(campaign: Campaign, *, today: dt.date | None = None) -> dict:
    """Everything the reach page, the report and the API show of one campaign (JSON-safe)."""
    today = today or timezone.localdate()
    params = ReachParameters.from_settings()
    items = visits(campaign, params=params)
    counts = dict.fromkeys(("scheduled", "flown", "cancelled"), 0)
    for row in Sortie.objects.filter(occurrence__campaign=campaign).values_list("status", flat=True):
        counts[row] = counts.get(row, 0) + 1
    occurrence_counts = dict.fromkeys(Occurrence.Status.values, 0)
    for status in Occurrence.objects.filter(campaign=campaign).values_list("status", flat=True):
        occurrence_counts[status] += 1
    flown, expected = reach_of(items, flown_only=True), reach_of(items, flown_only=False)
    target = campaign.reach_target
    places, features = _places(campaign, items)
    return {
        "campaign": {
            "id": campaign.pk,
            "name": campaign.name,
            "start_date": campaign.start_date.isoformat(),
            "end_date": campaign.end_date.isoformat(),
            "status": campaign.status,
            "is_sample": campaign.is_sample,
        },
        "summary": {
            "target": target,
            "flown_reach": flown,
            "expected_reach": expected,
            "flown_share": _share(flown, target),
            "expected_share": _share(expected, target),
            "sorties_planned": counts["scheduled"],
            "sorties_flown": counts["flown"],
            "sorties_cancelled": counts["cancelled"],
            "occurrences": sum(occurrence_counts.values()),
            "occurrences_unschedulable": occurrence_counts[Occurrence.Status.UNSCHEDULABLE],
            "occurrences_open": occurrence_counts[Occurrence.Status.OPEN],
            "broadcast_min": _minutes(sum(v.broadcast_s for v in items)),
            "planned_broadcast_min": _minutes(campaign_broadcast_s(campaign)),
            "loop_min": _minutes(playlist_loop_s(campaign.playlist)),
        },
        "parameters": parameters(params),
        "series": _series(items, campaign.start_date, campaign.end_date, today),
        "townships": _townships(items),
        "pilots": _pilots(items),
        "places": places,
        "map": features,
        "occurrences": occurrence_rows(campaign, items),
    }


def campaigns_of_year(year: int):
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return (
        Campaign.objects.filter(Q(start_date__lte=last) & Q(end_date__gte=first))
        .select_related("playlist")
        .order_by("start_date", "name")
    )


def year_reach(year: int | None = None, *, today: dt.date | None = None) -> dict:
    """The bureau's year: each campaign's flown and expected reach (visits in that year), the total against
    ``CAMPAIGN_YEAR_TARGET`` with last year's ``CAMPAIGN_LAST_YEAR_REACH``, and the months (flown, expected,
    cumulative)."""
    today = today or timezone.localdate()
    year = year or today.year
    params = ReachParameters.from_settings()
    month_ends = [dt.date(year, m, calendar.monthrange(year, m)[1]) for m in range(1, 13)]
    cumulative_flown = [0] * 12
    cumulative_expected = [0] * 12
    rows = []
    for campaign in campaigns_of_year(year):
        items = visits(campaign, year=year, params=params)
        for index, end in enumerate(month_ends):
            upto = [v for v in items if v.date <= end]
            cumulative_flown[index] += reach_of(upto, flown_only=True)
            cumulative_expected[index] += reach_of(upto, flown_only=False)
        flown, expected = reach_of(items, flown_only=True), reach_of(items, flown_only=False)
        rows.append(
            {
                "id": campaign.pk,
                "name": campaign.name,
                "start_date": campaign.start_date.isoformat(),
                "end_date": campaign.end_date.isoformat(),
                "status": campaign.status,
                "is_sample": campaign.is_sample,
                "target": campaign.reach_target,
                "sorties_flown": sum(1 for v in items if v.flown),
                "sorties": len(items),
                "broadcast_min": _minutes(sum(v.broadcast_s for v in items)),
                "flown_reach": flown,
                "expected_reach": expected,
                "flown_share": _share(flown, campaign.reach_target),
            }
        )
    months = []
    for index in range(12):
        started = dt.date(year, index + 1, 1) <= today
        months.append(
            {
                "month": index + 1,
                "flown": cumulative_flown[index] - (cumulative_flown[index - 1] if index else 0),
                "expected": cumulative_expected[index] - (cumulative_expected[index - 1] if index else 0),
                "cumulative_flown": cumulative_flown[index] if started else None,
                "cumulative_expected": cumulative_expected[index],
            }
        )
    total_flown = sum(r["flown_reach"] for r in rows)
    total_expected = sum(r["expected_reach"] for r in rows)
    target = year_target()
    return {
        "year": year,
        "target": target,
        "last_year": last_year_reach(),
        "flown_reach": total_flown,
        "expected_reach": total_expected,
        "flown_share": _share(total_flown, target),
        "expected_share": _share(total_expected, target),
        "campaigns": rows,
        "months": months,
    }


def sorties_on(day: dt.date):
    """The sorties scheduled or flown on ``day`` (local), in take-off order."""
    return (
        Sortie.objects.filter(occurrence__date=day)
        .exclude(status=Sortie.Status.CANCELLED)
        .select_related("occurrence__market", "occurrence__school", "occurrence__campaign", "pilot__user", "drone")
        .order_by("start", "id")
    )


__all__ = [
    "COVERAGE_LEVELS",
    "Visit",
    "campaign_reach",
    "campaigns_of_year",
    "coverage_level",
    "finite",
    "last_year_reach",
    "occurrence_rows",
    "parameters",
    "reach_of",
    "sorties_on",
    "visits",
    "year_reach",
    "year_target",
]
