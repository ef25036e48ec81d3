"""Reads behind the monthly incident analysis: the month's incidents, follow-ups and rectification items.

``incident_facts`` turns incidents into the plain facts ``incidents.analysis.figures`` computes on, in one
query; ``month_analysis`` and ``month_hotspots`` are what the page, the XLSX export and the API ask for (a
handful of queries each), for the county or one station.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone

from campus.models import Station
from incidents.analysis.figures import IncidentFacts, MonthAnalysis, RectificationStats, analyze_month, hotspot_layers
from incidents.analysis.params import month_range, previous_month
from incidents.models import (
    FollowUp,
    Incident,
    IncidentCategory,
    IncidentStatus,
    Rectification,
    Severity,
)


def incidents_in_month(*, month: dt.date, station: Station | None = None) -> QuerySet[Incident]:
    """Incidents reported in the month (local time), optionally routed to one station."""
    start, end = month_range(month)
    qs = Incident.objects.filter(created_at__gte=start, created_at__lt=end)
    if station is not None:
        qs = qs.filter(station=station)
    return qs


def follow_ups_done_in_month(*, month: dt.date, station: Station | None = None) -> QuerySet[FollowUp]:
    start, end = month_range(month)
    qs = FollowUp.objects.filter(status=FollowUp.Status.DONE, done_at__gte=start, done_at__lt=end)
    if station is not None:
        qs = qs.filter(incident__station=station)
    return qs


def rectifications_for(*, station: Station | None = None) -> QuerySet[Rectification]:
    qs = Rectification.objects.all()
    if station is not None:
        qs = qs.filter(station=station)
    return qs


def incident_facts(qs: QuerySet[Incident]) -> list[IncidentFacts]:
    """Plain facts of the incidents, in one query (school, station, gate and follow-up joined)."""
    result = []
    for i in qs.select_related("school", "station", "gate", "follow_up").order_by("created_at", "id"):
        if i.lat is not None and i.lon is not None:
            lat, lon, source = i.lat, i.lon, "point"
        elif i.gate is not None:
            lat, lon, source = i.gate.lat, i.gate.lon, "gate"
        else:
            lat, lon, source = i.school.lat, i.school.lon, "school"
        follow_up = getattr(i, "follow_up", None)
        result.append(
            IncidentFacts(
                id=i.pk,
                reference=i.reference,
                occurred_at=i.occurred_at,
                created_at=i.created_at,
                acknowledged_at=i.acknowledged_at,
                resolved_at=i.resolved_at,
                closed_at=i.closed_at,
                category=i.category,
                severity=i.severity,
                status=i.status,
                school_id=i.school_id,
                school_name=i.school.name,
                school_lat=i.school.lat,
                school_lon=i.school.lon,
                station_id=i.station_id,
                station_name=i.station.name if i.station else "",
                escalation=i.escalation,
                satisfaction=follow_up.satisfaction
                if follow_up is not None and follow_up.status == FollowUp.Status.DONE
                else "",
                lat=lat,
                lon=lon,
                point_source=source,
            )
        )
    return result


def month_analysis(*, month: dt.date, station: Station | None = None, now: dt.datetime | None = None) -> MonthAnalysis:
    """The analysis of one month for the county or one station (a handful of queries)."""
    start, end = month_range(month)
    previous = dict(
        incidents_in_month(month=previous_month(month), station=station)
        .order_by()
        .values_list("category")
        .annotate(n=Count("id"))
    )
    rect_qs = rectifications_for(station=station)
    in_month = rect_qs.filter(created_at__gte=start, created_at__lt=end)
    rect = RectificationStats(
        created=in_month.count(),
        open=in_month.filter(status=Rectification.Status.OPEN).count(),
        cleared=in_month.filter(status=Rectification.Status.CLEARED).count(),
        open_total=rect_qs.filter(status=Rectification.Status.OPEN).count(),
    )
    return analyze_month(
        month=month,
        incidents=incident_facts(incidents_in_month(month=month, station=station)),
        previous_categories=previous,
        satisfactions=follow_ups_done_in_month(month=month, station=station).values_list("satisfaction", flat=True),
        rectifications=rect,
        now=now or timezone.now(),
        ack_limits_min=settings.INCIDENT_ACK_MINUTES,
        resolve_limits_h=settings.INCIDENT_RESOLVE_HOURS,
        station=station,
    )


def choice_labels() -> dict[str, dict[str, str]]:
    return {
        "category": {k: str(v) for k, v in IncidentCategory.choices},
        "severity": {k: str(v) for k, v in Severity.choices},
        "status": {k: str(v) for k, v in IncidentStatus.choices},
        "satisfaction": {k: str(v) for k, v in FollowUp.Satisfaction.choices},
    }


def month_hotspots(*, month: dt.date, station: Station | None = None) -> dict:
    layers = hotspot_layers(incident_facts(incidents_in_month(month=month, station=station)), labels=choice_labels())
    layers["month"] = f"{month:%Y-%m}"
    return layers
