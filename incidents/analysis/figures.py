"""The figures of one month of incidents, computed from plain facts (no database access).

An incident belongs to the month it was reported in (``created_at``). Hour of day and weekday are taken
from the time of the incident (``occurred_at``) in local time. Acknowledgement time runs from
``created_at`` to ``acknowledged_at``, resolution time from ``created_at`` to ``resolved_at``, both in
minutes. Percentiles interpolate linearly between the closest ranks (the median of an even count is the
mean of the middle two). Satisfaction counts follow-ups *done* in the month, whichever month their
incident was reported in. ``hotspot_layers`` draws the same facts as map layers; positions are WGS-84
degrees.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from campus.models import Station
from incidents.models import (
    FollowUp,
    Incident,
    IncidentCategory,
    IncidentStatus,
    Severity,
)

HOURS = range(24)
WEEKDAYS = range(7)  # Monday = 0, as datetime.weekday()


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100), interpolating linearly between closest ranks; None without values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _minutes(start: dt.datetime, end: dt.datetime | None) -> float | None:
    return None if end is None else (end - start).total_seconds() / 60.0


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


@dataclass(frozen=True)
class IncidentFacts:
    """What the analysis needs of one incident (no database access after it is built)."""

    id: int
    reference: str
    occurred_at: dt.datetime
    created_at: dt.datetime
    acknowledged_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    category: str
    severity: str
    status: str
    school_id: int
    school_name: str
    school_lat: float
    school_lon: float
    station_id: int | None
    station_name: str
    escalation: int = 0
    satisfaction: str = ""  # of a done follow-up, else ""
    lat: float | None = None  # where it happened: its own point, else its gate's, else the school's
    lon: float | None = None
    point_source: str = "school"  # "point", "gate" or "school"

    @property
    def ack_minutes(self) -> float | None:
        return _minutes(self.created_at, self.acknowledged_at)

    @property
    def resolve_minutes(self) -> float | None:
        return _minutes(self.created_at, self.resolved_at)


@dataclass
class CountRow:
    key: str
    label: str
    count: int = 0


@dataclass
class CategoryRow(CountRow):
    previous: int = 0

    @property
    def delta(self) -> int:
        return self.count - self.previous


@dataclass
class DurationRow:
    """Times of one severity (or all): measured ones and those still waiting."""

    key: str
    label: str
    measured: int = 0
    open: int = 0
    median_min: float | None = None
    p90_min: float | None = None


@dataclass
class SatisfactionStats:
    done: int = 0
    satisfied: int = 0
    basically: int = 0
    unsatisfied: int = 0

    @property
    def rate_pct(self) -> float | None:
        """Satisfied plus basically satisfied over all done follow-ups, in percent."""
        return round(100.0 * (self.satisfied + self.basically) / self.done, 1) if self.done else None


@dataclass
class RectificationStats:
    created: int = 0  # items created in the month
    open: int = 0  # ... of which still open
    cleared: int = 0  # ... of which cleared
    open_total: int = 0  # every open item now, whatever its month


@dataclass
class MonthAnalysis:
    month: dt.date
    station_id: int | None
    station_name: str
    total: int
    previous_total: int
    by_category: list[CategoryRow]
    by_severity: list[CountRow]
    by_status: list[CountRow]
    by_school: list[CountRow]
    by_station: list[CountRow]
    by_hour: list[CountRow]
    by_weekday: list[CountRow]
    ack_times: list[DurationRow]
    resolve_times: list[DurationRow]
    satisfaction: SatisfactionStats
    rectifications: RectificationStats
    escalated: int
    escalated_to_head: int
    escalated_to_brigade: int
    ack_overdue: int
    resolve_overdue: int
    overdue: int
    incidents: list[IncidentFacts] = field(default_factory=list)

    @property
    def total_delta(self) -> int:
        return self.total - self.previous_total

    @property
    def month_label(self) -> str:
        return f"{self.month:%Y-%m}"

    def as_dict(self, *, with_incidents: bool = True) -> dict:
        def rows(items: Iterable) -> list[dict]:
            return [asdict(row) for row in items]

        data = {
            "month": self.month_label,
            "station": {"id": self.station_id, "name": self.station_name} if self.station_id else None,
            "total": self.total,
            "previous_total": self.previous_total,
            "total_delta": self.total_delta,
            "by_category": [{**asdict(row), "delta": row.delta} for row in self.by_category],
            "by_severity": rows(self.by_severity),
            "by_status": rows(self.by_status),
            "by_school": rows(self.by_school),
            "by_station": rows(self.by_station),
            "by_hour": rows(self.by_hour),
            "by_weekday": rows(self.by_weekday),
            "ack_times": rows(self.ack_times),
            "resolve_times": rows(self.resolve_times),
            "satisfaction": {**asdict(self.satisfaction), "rate_pct": self.satisfaction.rate_pct},
            "rectifications": asdict(self.rectifications),
            "escalations": {
                "total": self.escalated,
                "station_head": self.escalated_to_head,
                "brigade": self.escalated_to_brigade,
            },
            "overdue": {"ack": self.ack_overdue, "resolve": self.resolve_overdue, "total": self.overdue},
        }
        if with_incidents:
            data["incidents"] = [incident_row(f) for f in self.incidents]
        return data


def incident_row(facts: IncidentFacts) -> dict:
    """One incident of the month as plain data (local ISO times, minutes rounded to 0.1)."""

    def local(value: dt.datetime | None) -> str | None:
        return timezone.localtime(value).isoformat() if value else None

    return {
        "id": facts.id,
        "reference": facts.reference,
        "occurred_at": local(facts.occurred_at),
        "created_at": local(facts.created_at),
        "acknowledged_at": local(facts.acknowledged_at),
        "resolved_at": local(facts.resolved_at),
        "closed_at": local(facts.closed_at),
        "school": facts.school_name,
        "station": facts.station_name,
        "category": facts.category,
        "severity": facts.severity,
        "status": facts.status,
        "ack_minutes": _round(facts.ack_minutes),
        "resolve_minutes": _round(facts.resolve_minutes),
        "satisfaction": facts.satisfaction,
        "escalation": facts.escalation,
    }


def _durations(incidents: Sequence[IncidentFacts], attr: str, done: str, label_all: str) -> list[DurationRow]:
    result = []
    groups = [(key, str(label), [f for f in incidents if f.severity == key]) for key, label in Severity.choices]
    groups.append(("all", label_all, list(incidents)))
    for key, label, items in groups:
        values = [getattr(f, attr) for f in items if getattr(f, done) is not None]
        result.append(
            DurationRow(
                key=key,
                label=label,
                measured=len(values),
                open=sum(1 for f in items if getattr(f, done) is None),
                median_min=_round(percentile(values, 50)),
                p90_min=_round(percentile(values, 90)),
            )
        )
    return result


def weekday_labels() -> list[str]:
    return [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]


def analyze_month(
    *,
    month: dt.date,
    incidents: Sequence[IncidentFacts],
    previous_categories: dict[str, int],
    satisfactions: Iterable[str],
    rectifications: RectificationStats,
    now: dt.datetime,
    ack_limits_min: dict[str, int],
    resolve_limits_h: dict[str, int],
    station: Station | None = None,
) -> MonthAnalysis:
    """Every figure of the month from plain facts. ``now`` decides what is overdue while still open."""
    categories = Counter(f.category for f in incidents)
    by_category = [
        CategoryRow(key=key, label=str(label), count=categories[key], previous=previous_categories.get(key, 0))
        for key, label in IncidentCategory.choices
    ]
    severities = Counter(f.severity for f in incidents)
    statuses = Counter(f.status for f in incidents)

    schools: dict[int, CountRow] = {}
    stations: dict[int | None, CountRow] = {}
    for f in incidents:
        schools.setdefault(f.school_id, CountRow(str(f.school_id), f.school_name)).count += 1
        stations.setdefault(
            f.station_id, CountRow(str(f.station_id or ""), f.station_name or _("No station"))
        ).count += 1

    def ranked(rows: Iterable[CountRow]) -> list[CountRow]:
        return sorted(rows, key=lambda r: (-r.count, r.label))

    hours = Counter(timezone.localtime(f.occurred_at).hour for f in incidents)
    weekdays = Counter(timezone.localtime(f.occurred_at).weekday() for f in incidents)
    names = weekday_labels()

    sat = SatisfactionStats()
    for value in satisfactions:
        sat.done += 1
        if value == FollowUp.Satisfaction.SATISFIED:
            sat.satisfied += 1
        elif value == FollowUp.Satisfaction.BASICALLY:
            sat.basically += 1
        elif value == FollowUp.Satisfaction.UNSATISFIED:
            sat.unsatisfied += 1

    ack_late: set[int] = set()
    resolve_late: set[int] = set()
    for f in incidents:
        ack_limit = dt.timedelta(minutes=ack_limits_min.get(f.severity, 0))
        if (f.acknowledged_at or now) - f.created_at > ack_limit:
            ack_late.add(f.id)
        resolve_limit = dt.timedelta(hours=resolve_limits_h.get(f.severity, 0))
        if (f.resolved_at or now) - f.created_at > resolve_limit:
            resolve_late.add(f.id)

    return MonthAnalysis(
        month=month,
        station_id=station.pk if station else None,
        station_name=station.name if station else "",
        total=len(incidents),
        previous_total=sum(previous_categories.values()),
        by_category=by_category,
        by_severity=[CountRow(key, str(label), severities[key]) for key, label in Severity.choices],
        by_status=[CountRow(key, str(label), statuses[key]) for key, label in IncidentStatus.choices],
        by_school=ranked(schools.values()),
        by_station=ranked(stations.values()),
        by_hour=[CountRow(str(h), f"{h:02d}", hours[h]) for h in HOURS],
        by_weekday=[CountRow(str(d), names[d], weekdays[d]) for d in WEEKDAYS],
        ack_times=_durations(incidents, "ack_minutes", "acknowledged_at", _("All")),
        resolve_times=_durations(incidents, "resolve_minutes", "resolved_at", _("All")),
        satisfaction=sat,
        rectifications=rectifications,
        escalated=sum(1 for f in incidents if f.escalation > 0),
        escalated_to_head=sum(1 for f in incidents if f.escalation == Incident.Escalation.STATION_HEAD),
        escalated_to_brigade=sum(1 for f in incidents if f.escalation == Incident.Escalation.BRIGADE),
        ack_overdue=len(ack_late),
        resolve_overdue=len(resolve_late),
        overdue=len(ack_late | resolve_late),
        incidents=sorted(incidents, key=lambda f: (f.created_at, f.id)),
    )


def hotspot_layers(incidents: Sequence[IncidentFacts], *, labels: dict[str, dict[str, str]]) -> dict:
    """GeoJSON (WGS-84, lon/lat order) for the hot-spot map: one point per incident, one circle per school."""
    points = []
    schools: dict[int, dict] = {}
    for f in incidents:
        if f.lat is not None and f.lon is not None:
            points.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [f.lon, f.lat]},
                    "properties": {
                        "reference": f.reference,
                        "school": f.school_name,
                        "category": f.category,
                        "category_label": labels["category"].get(f.category, f.category),
                        "severity": f.severity,
                        "severity_label": labels["severity"].get(f.severity, f.severity),
                        "status_label": labels["status"].get(f.status, f.status),
                        "occurred_at": timezone.localtime(f.occurred_at).strftime("%Y-%m-%d %H:%M"),
                        "source": f.point_source,
                    },
                }
            )
        school = schools.setdefault(
            f.school_id,
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [f.school_lon, f.school_lat]},
                "properties": {"id": f.school_id, "name": f.school_name, "station": f.station_name, "count": 0},
            },
        )
        school["properties"]["count"] += 1
    return {
        "incidents": {"type": "FeatureCollection", "features": points},
        "schools": {
            "type": "FeatureCollection",
            "features": sorted(schools.values(), key=lambda s: -s["properties"]["count"]),
        },
    }
