"""Market schedules: lunar days (大集 逢一六), weekdays (夜市), hours in Beijing time, and the crowd areas."""

from __future__ import annotations

import datetime as dt
import math
from types import SimpleNamespace

import pytest
from lunardate import LunarDate
from shapely import geometry as shp

from drones.missions.frame import LocalFrame
from drones.missions.markets import (
    CHINA_TZ,
    crowd_areas,
    expand_lunar_days,
    is_market_day,
    market_crowd_area,
    market_in_session,
    market_sessions,
    parse_lunar_days,
)
from tests.factories import square

UTC = dt.UTC


def market(**fields):
    values = {
        "lunar_days": [],
        "weekdays": [],
        "opens": dt.time(7, 0),
        "closes": dt.time(12, 0),
        "area": None,
        "street": None,
    }
    values.update(fields)
    return SimpleNamespace(**values)


def beijing(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CHINA_TZ)


YI_LIU = expand_lunar_days([1, 6])  # 逢一六


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("1,6", [1, 6, 11, 16, 21, 26]),
        ("逢一六", [1, 6, 11, 16, 21, 26]),
        ("三八", [3, 8, 13, 18, 23, 28]),
        ("1、6", [1, 6, 11, 16, 21, 26]),
        ("5,10", [5, 10, 15, 20, 25, 30]),
        ("逢五十", [5, 10, 15, 20, 25, 30]),
        ("3 13 23", [3, 13, 23]),
        ("", []),
    ],
)
def test_lunar_days_as_people_write_them(text, days):
    assert parse_lunar_days(text) == days


@pytest.mark.parametrize(("text", "message"), [("32", "Lunar day 32 is not between 1 and 30."), ("x", "“x” is not")])
def test_bad_lunar_days_say_why(text, message):
    with pytest.raises(ValueError, match=message):
        parse_lunar_days(text)


def test_2026_11_09_is_lunar_10_1_and_a_yi_liu_market_day():
    assert LunarDate.from_solar_date(2026, 11, 9) == LunarDate(2026, 10, 1)
    rural = market(lunar_days=YI_LIU)
    assert is_market_day(rural, dt.date(2026, 11, 9))
    assert not is_market_day(rural, dt.date(2026, 11, 10))
    assert is_market_day(rural, dt.date(2026, 11, 14))  # lunar 10/6


def test_in_session_only_during_opening_hours_in_beijing_time():
    rural = market(lunar_days=YI_LIU)
    assert market_in_session(rural, beijing(2026, 11, 9, 7, 0))
    assert market_in_session(rural, beijing(2026, 11, 9, 11, 59))
    assert not market_in_session(rural, beijing(2026, 11, 9, 12, 0))
    assert not market_in_session(rural, beijing(2026, 11, 9, 6, 59))
    # 00:30 UTC is 08:30 in Beijing.
    assert market_in_session(rural, dt.datetime(2026, 11, 9, 0, 30, tzinfo=UTC))
    assert not market_in_session(rural, dt.datetime(2026, 11, 9, 5, 0, tzinfo=UTC))


def test_sessions_of_a_yi_liu_market_in_a_range():
    rural = market(lunar_days=YI_LIU)
    sessions = market_sessions(rural, beijing(2026, 11, 9), beijing(2026, 12, 1))
    assert [s.date().isoformat() for s, _e in sessions] == [
        "2026-11-09",
        "2026-11-14",
        "2026-11-19",
        "2026-11-24",
        "2026-11-29",
    ]
    assert sessions[0] == (beijing(2026, 11, 9, 7, 0), beijing(2026, 11, 9, 12, 0))


def test_a_day_30_market_meets_on_the_29th_of_a_29_day_month():
    wu_shi = market(lunar_days=expand_lunar_days([5, 10]))  # 逢五十
    # Lunar 2026/12 has 29 days: its 29th (2027-02-05) is market day.
    assert LunarDate(2026, 12, 29).to_solar_date() == dt.date(2027, 2, 5)
    assert is_market_day(wu_shi, dt.date(2027, 2, 5))
    # Lunar 2026/11 has 30 days: the 29th (2027-01-06) is not, the 30th (2027-01-07) is.
    assert not is_market_day(wu_shi, dt.date(2027, 1, 6))
    assert is_market_day(wu_shi, dt.date(2027, 1, 7))


def test_night_market_on_friday_and_saturday_evenings():
    night = market(weekdays=[4, 5], opens=dt.time(18, 0), closes=dt.time(22, 0))
    assert market_in_session(night, beijing(2026, 11, 13, 19, 30))  # a Friday
    assert market_in_session(night, beijing(2026, 11, 14, 21, 59))  # a Saturday
    assert not market_in_session(night, beijing(2026, 11, 14, 22, 0))
    assert not market_in_session(night, beijing(2026, 11, 15, 19, 30))  # a Sunday
    assert not market_in_session(night, beijing(2026, 11, 13, 12, 0))


def test_a_night_market_closing_after_midnight_belongs_to_the_evening_it_opened():
    late = market(weekdays=[4], opens=dt.time(18, 0), closes=dt.time(1, 0))  # Fridays 18:00-01:00
    assert market_in_session(late, beijing(2026, 11, 14, 0, 30))  # Saturday 00:30
    assert not market_in_session(late, beijing(2026, 11, 15, 0, 30))  # Sunday 00:30
    (session,) = market_sessions(late, beijing(2026, 11, 13, 12, 0), beijing(2026, 11, 14, 12, 0))
    assert session == (beijing(2026, 11, 13, 18, 0), beijing(2026, 11, 14, 1, 0))


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        market_in_session(market(weekdays=[0]), dt.datetime(2026, 11, 9, 8, 0))  # noqa: DTZ001


def test_a_market_street_becomes_a_crowd_polygon_30m_each_side():
    street = {"type": "LineString", "coordinates": [[118.2248, 36.2658], [118.2312, 36.2671]]}
    polygon = market_crowd_area(market(street=street))
    frame = LocalFrame(36.266, 118.228)
    line = frame.to_local(shp.shape(street))
    area = frame.to_local(shp.shape(polygon)).area
    assert area == pytest.approx(line.length * 60 + math.pi * 30**2, rel=0.02)
    assert frame.to_local(shp.shape(polygon)).covers(line.buffer(29))
    area_market = market(area=square(36.19, 118.167, 0.001), street=street)
    assert market_crowd_area(area_market) == area_market.area


@pytest.mark.django_db
def test_crowd_areas_are_crowd_zones_in_force_and_markets_in_session():
    from drones.models import Airspace, Market

    at = beijing(2026, 11, 9, 9, 0)
    Airspace.objects.create(name="广场", kind="crowd", min_alt_m=40, geometry=square(36.19, 118.16, 0.001))
    Airspace.objects.create(
        name="过期", kind="crowd", min_alt_m=40, geometry=square(36.2, 118.16, 0.001), valid_until=at
    )
    Airspace.objects.create(name="禁飞", kind="no_fly", geometry=square(36.21, 118.16, 0.001))
    Market.objects.create(name="大集", kind="rural", lunar_days=YI_LIU, area=square(36.26, 118.22, 0.001), min_alt_m=30)
    Market.objects.create(name="夜市", kind="night", weekdays=[4, 5], area=square(36.19, 118.17, 0.001))
    found = {name: (min_alt, polygon) for polygon, min_alt, name in crowd_areas(at)}
    assert set(found) == {"广场", "大集"}
    assert found["大集"][0] == 30.0 and found["大集"][1] == square(36.26, 118.22, 0.001)
