"""Reads for airspace zones and markets, and the map layer of both."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse

from drones.missions.markets import market_crowd_area, market_in_session, next_sessions
from drones.models import Airspace, Market


def airspace_list(*, kind: str = "", active: bool | None = None) -> QuerySet[Airspace]:
    qs = Airspace.objects.all()
    if kind in Airspace.Kind.values:
        qs = qs.filter(kind=kind)
    if active is not None:
        qs = qs.filter(active=active)
    return qs


def airspace_in_force(at: dt.datetime, *, kinds: Iterable[str] | None = None) -> list[Airspace]:
    """Zones active and valid at ``at`` (an aware datetime), optionally of some kinds only."""
    qs = Airspace.objects.filter(active=True).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=at), Q(valid_until__isnull=True) | Q(valid_until__gt=at)
    )
    if kinds is not None:
        qs = qs.filter(kind__in=list(kinds))
    return list(qs)


def market_list() -> QuerySet[Market]:
    return Market.objects.select_related("station")


def _feature(geometry: dict[str, Any] | None, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def airspace_map(at: dt.datetime) -> dict[str, Any]:
    """GeoJSON FeatureCollection (WGS-84): zones in force at ``at``, then every market.

    Zone properties: ``layer`` "zone", id, name, kind, kind_label, min_alt_m,
    valid_until, url. Market properties: ``layer`` "market", id, name, kind,
    kind_label, in_session (at ``at``), next_session (ISO start/end), min_alt_m,
    url; geometry the street (LineString) or area, plus ``crowd_area``, the
    polygon the checks use while it is in session.
    """
    features = []
    for zone in airspace_in_force(at):
        features.append(
            _feature(
                zone.geometry,
                {
                    "layer": "zone",
                    "id": zone.id,
                    "name": zone.name,
                    "kind": zone.kind,
                    "kind_label": str(zone.get_kind_display()),
                    "min_alt_m": zone.min_alt_m,
                    "buffer_m": zone.buffer_m,
                    "valid_until": zone.valid_until.isoformat() if zone.valid_until else None,
                    "is_sample": zone.is_sample,
                    "url": reverse("drones:airspace_detail", args=[zone.id]),
                },
            )
        )
    for market in market_list():
        upcoming = next_sessions(market, at, count=1)
        features.append(
            _feature(
                market.area or market.street,
                {
                    "layer": "market",
                    "id": market.id,
                    "name": market.name,
                    "kind": market.kind,
                    "kind_label": str(market.get_kind_display()),
                    "in_session": market_in_session(market, at),
                    "next_session": [t.isoformat() for t in upcoming[0]] if upcoming else None,
                    "min_alt_m": market.min_alt_m,
                    "crowd_area": market_crowd_area(market),
                    "is_sample": market.is_sample,
                    "url": reverse("drones:market_detail", args=[market.id]),
                },
            )
        )
    return {"type": "FeatureCollection", "features": features}
