"""A small flown campaign for the reach tests: one market street, occurrences, sorties and flights with tracks."""

from __future__ import annotations

import datetime as dt

from campaigns.models import Occurrence, Sortie
from drones.models import Flight, TrackPoint
from tests.campaigns import builders

UTC = dt.UTC
# builders.MARKET_STREET runs from (36.18, 118.17) to (36.181, 118.172); its crowd area is 30 m each side.
ON_STREET = (36.1805, 118.171)
OFF_STREET = (36.19, 118.171)


def occurrence(campaign, market, day: int, *, crowd: int = 3000, hours: int = 4) -> Occurrence:
    start = dt.datetime(2026, 12, day, 0, 0, tzinfo=UTC)  # 08:00 in China
    return Occurrence.objects.create(
        campaign=campaign, market=market, date=dt.date(2026, 12, day), window_start=start,
        window_end=start + dt.timedelta(hours=hours), expected_crowd=crowd, status="scheduled",
    )  # fmt: skip


def flight(sortie: Sortie, *, status: str = "completed", minutes: int = 20, started: bool = True) -> Flight:
    start = sortie.start
    result = Flight.objects.create(
        drone=sortie.drone, pilot=sortie.pilot.user, status=status, started_at=start if started else None,
        ended_at=start + dt.timedelta(minutes=minutes),
    )  # fmt: skip
    Sortie.objects.filter(pk=sortie.pk).update(flight=result)
    sortie.refresh_from_db()
    return result


def track(drone, start: dt.datetime, points) -> None:
    """``points``: (second, (lat, lon), speaker_on) rows at 1 Hz from ``start``."""
    TrackPoint.objects.bulk_create(
        [
            TrackPoint(drone=drone, at=start + dt.timedelta(seconds=s), lat=at[0], lon=at[1], speaker_on=on)
            for s, at, on in points
        ]
    )


def campaign_with_market(**fields):
    market = builders.market(name=fields.pop("market_name", "王庄大集"))
    campaign = builders.campaign(scope="chosen", **fields)
    campaign.markets.set([market])
    return campaign, market
