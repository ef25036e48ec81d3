"""The figures of one month's report, computed once into a JSON snapshot by the apps' own selectors.

Nothing here recomputes what another app already computes: the incident figures are
``incidents.analysis.selectors.month_analysis`` (percentiles, satisfaction, rectifications) and
``month_hotspots``; 一校一警 coverage is ``campus.selectors.coverage_report``; 护学岗 is
``patrol.duty.stats.duty_stats`` over the month's days; drills and emergency plans are
``drills.compliance.compliance_board`` and ``drills.plans.services.plan_board`` as of the month's last day
(or today, in the month still running) for the school term overlapping the month; publicity reach is
``campaigns.reporting.selectors.year_reach``. Drone flights (flight logs started in the month) and publicity
are county-wide: the drones belong to the bureau's 警务保障室, not to a station.

The snapshot keeps keys, not translated labels (categories, severities, metrics), so a version issued in one
language reads in the other; names (schools, stations) are stored as they were. Positions are WGS-84 degrees.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone
from shapely.ops import unary_union

from campaigns.reporting.selectors import year_reach
from campus.models import School, Station, Term
from campus.selectors import coverage_report
from common.geo import GeometryError, polygon_from_geojson
from common.roles import SYSTEM
from drills.compliance import compliance_board
from drills.plans.services import plan_board
from drones.models import Flight
from incidents.analysis.params import month_range, previous_month
from incidents.analysis.selectors import incidents_in_month, month_analysis, month_hotspots
from patrol.duty.stats import duty_stats
from reports.models import LOWER_IS_BETTER, Metric, Target

SNAPSHOT_SCHEMA = 2  # 2: ``hotspots.areas`` (the outlines under the hot-spot map)
TREND_MONTHS = 12
# Outlines are simplified to ~30 m before they are stored: finer than one pixel of the 640 px map of a county
# some 35 km across, and it keeps a snapshot of a 12-station county to a few kilobytes.
OUTLINE_TOLERANCE_DEG = 0.0003


def month_last_day(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def _station_ref(station: Station | None) -> dict | None:
    return {"id": station.pk, "code": station.code, "name": station.name} if station else None


def trend(*, month: dt.date, station: Station | None) -> list[dict]:
    """Incidents reported in each of the ``TREND_MONTHS`` months ending with ``month``, oldest first."""
    months = [month]
    while len(months) < TREND_MONTHS:
        months.append(previous_month(months[-1]))
    return [
        {"month": f"{m:%Y-%m}", "count": incidents_in_month(month=m, station=station).count()} for m in reversed(months)
    ]


def incident_figures(*, month: dt.date, station: Station | None, now: dt.datetime) -> dict:
    analysis = month_analysis(month=month, station=station, now=now).as_dict(with_incidents=False)
    for key in ("by_category", "by_severity", "by_status", "ack_times", "resolve_times"):
        for row in analysis[key]:
            row.pop("label", None)  # translated again when shown
    return analysis


def hotspot_figures(*, month: dt.date, station: Station | None) -> dict:
    """Every active school of the scope (the map's background) and the month's incidents on it."""
    layers = month_hotspots(month=month, station=station)
    counts = {f["properties"]["id"]: f["properties"]["count"] for f in layers["schools"]["features"]}
    schools = School.objects.filter(active=True)
    if station is not None:
        schools = schools.filter(responsible_station=station)
    return {
        "schools": [
            {"id": pk, "name": name, "lat": lat, "lon": lon, "count": counts.get(pk, 0)}
            for pk, name, lat, lon in schools.order_by("code").values_list("id", "name", "lat", "lon")
        ],
        "incidents": [
            {
                "lat": f["geometry"]["coordinates"][1],
                "lon": f["geometry"]["coordinates"][0],
                "category": f["properties"]["category"],
                "school": f["properties"]["school"],
            }
            for f in layers["incidents"]["features"]
        ],
        "areas": area_figures(station=station),
    }


def _rings(geom) -> list[list[list[float]]]:
    """The exterior rings of a (Multi)Polygon as lists of [lon, lat] (WGS-84 degrees, 5 decimals, ~1 m)."""
    parts = getattr(geom, "geoms", [geom])
    return [
        [[round(x, 5), round(y, 5)] for x, y in part.exterior.coords]
        for part in parts
        if part.geom_type == "Polygon" and not part.is_empty
    ]


def area_figures(*, station: Station | None) -> dict:
    """What the hot-spot map draws under its points, from the registry's station jurisdictions (WGS-84).

    ``outline``: the scope's boundary, the union of the stations' jurisdictions (they partition the county)
    or the one station's. ``stations``: each station's jurisdiction with its name, for the county's report.
    Stations without a (valid) jurisdiction are left out; with none at all both are empty.
    """
    stations = Station.objects.filter(jurisdiction__isnull=False).order_by("code")
    if station is not None:
        stations = stations.filter(pk=station.pk)
    shapes = []
    for st in stations:
        try:
            shapes.append((st, polygon_from_geojson(st.jurisdiction)))
        except GeometryError:
            continue
    if not shapes:
        return {"outline": [], "stations": []}
    outline = unary_union([geom for _st, geom in shapes]).simplify(OUTLINE_TOLERANCE_DEG)
    return {
        "outline": _rings(outline),
        "stations": []
        if station is not None
        else [
            {
                "id": st.pk,
                "name": st.name,
                "rings": _rings(geom.simplify(OUTLINE_TOLERANCE_DEG)),
                "label_at": [round(c, 5) for c in geom.representative_point().coords[0]],
            }
            for st, geom in shapes
        ],
    }


def liaison_figures(*, station: Station | None) -> dict:
    report = coverage_report(station=station)

    def row(r) -> dict:
        return {
            "station": _station_ref(r.station),
            "schools": r.schools,
            "covered": r.covered,
            "uncovered": r.uncovered,
            "needs_reassignment": r.needs_reassignment,
            "officers_over_limit": r.officers_over_limit,
            "coverage_pct": r.coverage_pct,
        }

    total = report.stations[0] if station is not None and report.stations else report.county
    return {
        "total": row(total),
        "stations": [row(r) for r in report.stations],
        "uncovered": [{"code": s.code, "name": s.name} for s in report.uncovered],
    }


def duty_figures(*, month: dt.date, station: Station | None, now: dt.datetime) -> dict:
    stats = duty_stats(
        user=SYSTEM,
        start=month,
        end=month_last_day(month),
        station_id=station.pk if station else None,
        now=now,
    )
    return {"total": stats.total.as_dict(), "stations": [r.as_dict() for r in stats.stations]}


def term_for_month(month: dt.date) -> Term | None:
    """The school term overlapping the month (the latest one when two do)."""
    return (
        Term.objects.filter(start_date__lte=month_last_day(month), end_date__gte=month).order_by("-start_date").first()
    )


def drill_figures(*, month: dt.date, station: Station | None, as_of: dt.date) -> dict:
    term = term_for_month(month)
    plans = plan_board(user=SYSTEM, station=station, today=as_of)
    plan_totals = {
        "schools": len(plans.schools),
        "plans": sum(len(s.rows) for s in plans.schools),
        "review_overdue": len(plans.overdue),
        "review_due_soon": len(plans.due_soon),
        "missing": len(plans.missing),
    }
    if term is None:
        return {"term": None, "total": None, "stations": [], "plans": plan_totals}
    schools = School.objects.filter(active=True)
    if station is not None:
        schools = schools.filter(responsible_station=station)
    board = compliance_board(term=term, today=as_of, schools=schools)
    return {
        "term": {"id": term.pk, "name": str(term)},
        "as_of": as_of.isoformat(),
        "total": board.county.as_dict(),
        "stations": [
            {"station": _station_ref(r.station), **r.totals.as_dict()} for r in board.stations if r.station is not None
        ],
        "plans": plan_totals,
    }


def drone_figures(*, month: dt.date) -> dict:
    start, end = month_range(month)
    flights = list(
        Flight.objects.filter(started_at__gte=start, started_at__lt=end).values_list("status", "started_at", "ended_at")
    )
    minutes = sum((e - s).total_seconds() / 60.0 for _status, s, e in flights if e is not None and e > s)
    return {
        "flights": len(flights),
        "completed": sum(1 for status, _s, _e in flights if status == Flight.Status.COMPLETED),
        "flight_min": round(minutes, 1),
    }


def publicity_figures(*, month: dt.date, today: dt.date) -> dict:
    year = year_reach(month.year, today=today)
    row = year["months"][month.month - 1]
    return {
        "flown": row["flown"],
        "expected": row["expected"],
        "year_flown": row["cumulative_flown"],
        "year_target": year["target"],
        "campaigns": sum(1 for c in year["campaigns"] if c["sorties"]),
    }


# --- scorecards ------------------------------------------------------------------------------


def targets_for(station_ids: list[int]) -> dict[int, dict[str, float]]:
    """The target of each metric per station: the station's override, else the county default."""
    rows = list(Target.objects.filter(Q(station__isnull=True) | Q(station_id__in=station_ids)))
    county = {t.metric: t.value for t in rows if t.station_id is None}
    result = {sid: dict(county) for sid in station_ids}
    for t in rows:
        if t.station_id is not None:
            result[t.station_id][t.metric] = t.value
    return result


def target_met(metric: str, value: float | None, target: float | None) -> bool | None:
    """None when there is no figure or no target to compare."""
    if value is None or target is None:
        return None
    return value <= target if metric in LOWER_IS_BETTER else value >= target


def _p90_all(rows: list[dict]) -> float | None:
    return next((r["p90_min"] for r in rows if r["key"] == "all"), None)


def station_metrics(
    *, station: Station, month: dt.date, now: dt.datetime, liaison: dict, duty: dict, drills: dict
) -> dict[str, float | None]:
    """One station's figures for each metric, from the sections already computed and its own incidents."""

    def of(rows: list[dict], key=lambda r: (r.get("station") or {}).get("id")) -> dict:
        return next((r for r in rows if key(r) == station.pk), {})

    analysis = month_analysis(month=month, station=station, now=now)
    rect = analysis.rectifications
    duty_row = of(duty["stations"], key=lambda r: int(r["key"]) if str(r["key"]).isdigit() else None)
    return {
        Metric.LIAISON_COVERAGE_PCT: of(liaison["stations"]).get("coverage_pct"),
        Metric.DUTY_COVERAGE_PCT: duty_row.get("coverage_pct"),
        Metric.DUTY_CHECKIN_PCT: duty_row.get("checkin_pct"),
        Metric.DRILL_DONE_PCT: of(drills["stations"]).get("done_pct"),
        Metric.SATISFACTION_PCT: analysis.satisfaction.rate_pct,
        Metric.RECTIFICATION_CLEARED_PCT: round(100.0 * rect.cleared / rect.created, 1) if rect.created else None,
        Metric.ACK_P90_MIN: next((r.p90_min for r in analysis.ack_times if r.key == "all"), None),
        Metric.INCIDENTS: analysis.total,
    }


def scorecards(*, stations: list[Station], month: dt.date, now: dt.datetime, sections: dict) -> list[dict]:
    targets = targets_for([s.pk for s in stations])
    cards = []
    for station in stations:
        values = station_metrics(
            station=station,
            month=month,
            now=now,
            liaison=sections["liaison"],
            duty=sections["duty"],
            drills=sections["drills"],
        )
        rows = []
        for metric in Metric:
            target = targets[station.pk].get(metric.value)
            rows.append(
                {
                    "metric": metric.value,
                    "value": values[metric],
                    "target": target,
                    "met": target_met(metric.value, values[metric], target),
                }
            )
        judged = [r for r in rows if r["met"] is not None]
        cards.append(
            {
                "station": _station_ref(station),
                "metrics": rows,
                "met": sum(1 for r in judged if r["met"]),
                "judged": len(judged),
            }
        )
    return cards


def report_figures(*, month: dt.date, station: Station | None, now: dt.datetime | None = None) -> dict:
    """Every section of the month's report for the county (``station`` None) or one station, as JSON data."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    as_of = min(month_last_day(month), today)
    sections: dict = {
        "schema": SNAPSHOT_SCHEMA,
        "month": f"{month:%Y-%m}",
        "station": _station_ref(station),
        "computed_at": timezone.localtime(now).isoformat(),
        "incidents": incident_figures(month=month, station=station, now=now),
        "trend": trend(month=month, station=station),
        "hotspots": hotspot_figures(month=month, station=station),
        "liaison": liaison_figures(station=station),
        "duty": duty_figures(month=month, station=station, now=now),
        "drills": drill_figures(month=month, station=station, as_of=as_of),
        "drones": drone_figures(month=month),
        "publicity": publicity_figures(month=month, today=today),
    }
    stations = [station] if station is not None else list(Station.objects.order_by("name"))
    sections["scorecards"] = scorecards(stations=stations, month=month, now=now, sections=sections)
    return sections
