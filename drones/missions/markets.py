"""When a market is in session, and the crowd areas a mission must overfly high enough.

Rural periodic markets (大集) meet on days of the lunar month: 逢一六 means lunar
days 1, 6, 11, 16, 21 and 26; 逢五十 days 5, 10, 15, 20, 25 and 30. Lunar months
have 29 or 30 days; in a 29-day month (小月) a market on day 30 meets on day 29
instead, as such markets do. Night markets (夜市) meet on weekdays. A market may
have both. ``opens``/``closes`` are local times in China (Asia/Shanghai,
whatever the server's zone); a session that closes at or before it opens runs
past midnight into the next day.

The lunar calendar comes from the ``lunardate`` package (years 1900-2099).

While in session a market is a crowd area: its ``area`` polygon, or else its
street buffered by ``STREET_HALF_WIDTH_M`` (30 m) each side, which covers the
stalls, the shoppers and the parked tricycles along a village street.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_noop
from lunardate import LunarDate
from shapely import geometry as shp

from common.texts import text as reader_text  # "text" is the parameter parse_lunar_days reads
from drones.missions.frame import LocalFrame

CHINA_TZ = ZoneInfo("Asia/Shanghai")
STREET_HALF_WIDTH_M = 30.0

_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "〇": 10}


def expand_lunar_days(days: Iterable[int]) -> list[int]:
    """Cycle digits to lunar days: 1..10 repeat every ten days (1 -> 1, 11, 21; 10 -> 10, 20, 30).

    Days from 11 to 30 are taken as they are, so ``[1, 6]`` (逢一六) gives
    ``[1, 6, 11, 16, 21, 26]`` and ``[3, 13, 23]`` stays as it is.
    """
    result: set[int] = set()
    for day in days:
        day = int(day)
        if not 1 <= day <= 30:
            raise ValueError(reader_text(gettext_noop("Lunar day %(day)d is not between 1 and 30."), day=day))
        if day <= 10:
            result.update(d for d in (day, day + 10, day + 20) if d <= 30)
        else:
            result.add(day)
    return sorted(result)


def parse_lunar_days(text: str) -> list[int]:
    """Lunar days from how people write them: ``1,6``, ``1、6``, ``1 6``, ``逢一六``, ``三八``, ``5,10``.

    Returns the expanded days (see ``expand_lunar_days``); raises ValueError with the reason.
    """
    cleaned = str(text).strip().removeprefix("逢").strip()
    if not cleaned:
        return []
    if all(ch in _CHINESE_DIGITS for ch in cleaned):
        return expand_lunar_days(_CHINESE_DIGITS[ch] for ch in cleaned)
    parts = [p for p in re.split(r"[\s,，、;；/]+", cleaned.strip("[]")) if p]
    numbers = []
    for part in parts:
        if not part.isdigit():
            # A Text: an import keeps how to write it, so the reason reads in its reader's language.
            raise ValueError(
                reader_text(gettext_noop("“%(value)s” is not a lunar day; write e.g. 1,6 or 逢一六."), value=part)
            )
        numbers.append(int(part))
    return expand_lunar_days(numbers)


def _lunar_day_matches(market, day: dt.date) -> bool:
    if not market.lunar_days:
        return False
    lunar = LunarDate.from_solar_date(day.year, day.month, day.day)
    if lunar.day in market.lunar_days:
        return True
    # A day-30 market meets on the 29th of a 29-day month.
    if lunar.day == 29 and 30 in market.lunar_days:
        try:
            LunarDate(lunar.year, lunar.month, 30, lunar.is_leap_month).to_solar_date()
        except ValueError:
            return True
    return False


def is_market_day(market, day: dt.date) -> bool:
    """Whether the market opens on this (local) date."""
    return day.weekday() in (market.weekdays or []) or _lunar_day_matches(market, day)


def _session(market, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, market.opens, tzinfo=CHINA_TZ)
    end_day = day + dt.timedelta(days=1) if market.closes <= market.opens else day
    return start, dt.datetime.combine(end_day, market.closes, tzinfo=CHINA_TZ)


def _local(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is None:
        raise ValueError("an aware datetime is needed")
    return at.astimezone(CHINA_TZ)


def market_sessions(market, start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """Every session of the market that overlaps [start, end), in order, as aware Asia/Shanghai datetimes."""
    start, end = _local(start), _local(end)
    sessions = []
    day = start.date() - dt.timedelta(days=1)  # yesterday's session may run past midnight
    while day <= end.date():
        if is_market_day(market, day):
            opens, closes = _session(market, day)
            if opens < end and closes > start:
                sessions.append((opens, closes))
        day += dt.timedelta(days=1)
    return sessions


def market_in_session(market, at: dt.datetime) -> bool:
    """Whether the market is being held at ``at`` (an aware datetime)."""
    return bool(market_sessions(market, at, at + dt.timedelta(microseconds=1)))


def next_sessions(market, after: dt.datetime, count: int = 5, *, horizon_days: int = 120) -> list[tuple]:
    """The next ``count`` sessions starting or running after ``after`` (within ``horizon_days``)."""
    found = market_sessions(market, after, after + dt.timedelta(days=horizon_days))
    return found[:count]


def market_crowd_area(market) -> dict[str, Any] | None:
    """The market's crowd polygon, WGS-84 GeoJSON: its area, or its street buffered by 30 m each side."""
    if market.area:
        return market.area
    if not market.street:
        return None
    line = shp.shape(market.street)
    centre = line.centroid
    frame = LocalFrame(centre.y, centre.x)
    return frame.geojson(frame.to_local(line).buffer(STREET_HALF_WIDTH_M, quad_segs=4))


def market_crowds(at: dt.datetime) -> list[tuple[dict[str, Any], float, str]]:
    """(polygon GeoJSON, minimum height m, name) of every market in session at ``at`` (aware).

    The sessions are worked out from the schedules alone; only the markets in session have their
    street or area read (a check runs on every save, and most markets are not in session, issue 14).
    """
    from drones.models import Market

    schedules = Market.objects.only("id", "lunar_days", "weekdays", "opens", "closes")
    in_session = [market.pk for market in schedules if market_in_session(market, at)]
    if not in_session:
        return []
    found = []
    for market in Market.objects.filter(pk__in=in_session).only("id", "name", "street", "area", "min_alt_m"):
        polygon = market_crowd_area(market)
        if polygon:
            found.append((polygon, float(market.min_alt_m), market.name))
    return found


def crowd_areas(at: dt.datetime) -> list[tuple[dict[str, Any], float, str]]:
    """(polygon GeoJSON, minimum height m, name) of every crowd at ``at``.

    Crowd zones (``Airspace`` kind crowd) in force, from the airspace index, and markets in session.
    The checks take the crowd zones from the index they are given and only ``market_crowds``.
    """
    from drones.airspace.index import airspace_index_at

    return [*airspace_index_at(at).crowds, *market_crowds(at)]
