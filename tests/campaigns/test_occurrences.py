"""A campaign's occurrences: market sessions on lunar days and weekdays, school dismissals on school days."""

from __future__ import annotations

import datetime as dt

import pytest
from lunardate import LunarDate

from campaigns.models import Occurrence, Sortie
from campaigns.planning.occurrences import OccurrenceError, occurrences_build
from campus.calendar.models import CalendarOverride, SchoolClosure, Term
from common.models import AuditLogEntry
from common.roles import SYSTEM
from drones.models import Drone, Market, Pilot
from patrol.models import BellSchedule, BellTime
from tests.campaigns import builders
from tests.factories import SchoolFactory, make_user

pytestmark = pytest.mark.django_db

STREET = {"type": "LineString", "coordinates": [[118.17, 36.18], [118.172, 36.181]]}


def rural_market(name="王庄大集", days=(1, 6, 11, 16, 21, 26), attendance=3000, **fields):
    return Market.objects.create(
        name=name, kind="rural", lunar_days=list(days), street=STREET, attendance=attendance, **fields
    )


def lunar_days_in(first: dt.date, last: dt.date, days) -> list[dt.date]:
    """The independent oracle: solar dates whose lunar day is one of ``days`` (no day-30 months here)."""
    result, day = [], first
    while day <= last:
        if LunarDate.from_solar_date(day.year, day.month, day.day).day in days:
            result.append(day)
        day += dt.timedelta(days=1)
    return result


def test_market_sessions_become_occurrences_with_window_and_crowd():
    market = rural_market()
    campaign = builders.campaign()
    result = occurrences_build(campaign=campaign, actor=SYSTEM)
    expected_days = lunar_days_in(campaign.start_date, campaign.end_date, {1, 6, 11, 16, 21, 26})
    occurrences = list(Occurrence.objects.filter(campaign=campaign))
    assert result.created == len(expected_days) == len(occurrences) > 4
    assert [o.date for o in occurrences] == expected_days
    first = occurrences[0]
    assert first.market == market and first.school is None and first.expected_crowd == 3000
    local = first.window_start.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert (local.hour, local.minute) == (7, 0)
    assert (first.window_end - first.window_start) == dt.timedelta(hours=5)
    assert AuditLogEntry.objects.filter(action="campaign.occurrences_build").count() == 1


def test_morning_peak_narrows_and_evening_keeps_night_markets_only():
    rural_market()
    Market.objects.create(
        name="城关夜市",
        kind="night",
        weekdays=[4, 5],
        street=STREET,
        attendance=2000,
        opens=dt.time(18, 0),
        closes=dt.time(22, 0),
    )
    morning = builders.campaign(name="早集", time_of_day="morning")
    occurrences_build(campaign=morning, actor=SYSTEM)
    windows = {o.window_end - o.window_start for o in Occurrence.objects.filter(campaign=morning)}
    assert windows == {dt.timedelta(hours=4)}  # 07:00-11:00; the night market does not meet in the morning
    evening = builders.campaign(name="夜市", time_of_day="evening", playlist=morning.playlist)
    occurrences_build(campaign=evening, actor=SYSTEM)
    markets = set(Occurrence.objects.filter(campaign=evening).values_list("market__name", flat=True))
    assert markets == {"城关夜市"}
    fridays_and_saturdays = [
        d for d in (dt.date(2026, 12, 1) + dt.timedelta(days=i) for i in range(31)) if d.weekday() in (4, 5)
    ]
    assert Occurrence.objects.filter(campaign=evening).count() == len(fridays_and_saturdays)


def test_scope_by_station_and_chosen_markets(station):
    mine = rural_market(name="A", station=station)
    rural_market(name="B")
    by_station = builders.campaign(name="S", scope="station", market_station=station)
    occurrences_build(campaign=by_station, actor=SYSTEM)
    assert set(Occurrence.objects.filter(campaign=by_station).values_list("market", flat=True)) == {mine.id}
    chosen = builders.campaign(name="C", scope="chosen", playlist=by_station.playlist)
    chosen.markets.set([mine])
    occurrences_build(campaign=chosen, actor=SYSTEM)
    assert set(Occurrence.objects.filter(campaign=chosen).values_list("market", flat=True)) == {mine.id}


def test_school_dismissals_follow_the_calendar():
    school = SchoolFactory(pupils=800)
    Term.objects.create(
        school_year="2026-2027", name="Autumn", start_date=dt.date(2026, 9, 1), end_date=dt.date(2027, 1, 20)
    )
    schedule = BellSchedule.objects.create(school=school, name="Mon-Fri", weekdays=[0, 1, 2, 3, 4])
    BellTime.objects.create(schedule=schedule, kind="arrival", time=dt.time(7, 50))
    BellTime.objects.create(schedule=schedule, kind="dismissal", time=dt.time(16, 30))
    SchoolClosure.objects.create(
        school=school, start_date=dt.date(2026, 12, 14), end_date=dt.date(2026, 12, 15), reason="flu", kind="closure"
    )
    CalendarOverride.objects.create(date=dt.date(2026, 12, 18), kind="holiday", note="county sports day")
    campaign = builders.campaign(scope="none", start=dt.date(2026, 12, 7), end=dt.date(2026, 12, 20))
    campaign.schools.set([school])
    occurrences_build(campaign=campaign, actor=SYSTEM)
    days = list(Occurrence.objects.filter(campaign=campaign).values_list("date", flat=True))
    weekdays = [dt.date(2026, 12, 7) + dt.timedelta(days=i) for i in range(14)]
    expected = [
        d
        for d in weekdays
        if d.weekday() < 5 and d not in (dt.date(2026, 12, 14), dt.date(2026, 12, 15), dt.date(2026, 12, 18))
    ]
    assert days == expected
    assert set(Occurrence.objects.filter(campaign=campaign).values_list("expected_crowd", flat=True)) == {800}


def test_a_market_without_attendance_is_refused_by_name_and_nothing_is_written():
    rural_market(name="无人数集", attendance=None)
    campaign = builders.campaign()
    with pytest.raises(OccurrenceError, match="无人数集"):
        occurrences_build(campaign=campaign, actor=SYSTEM)
    assert not Occurrence.objects.exists()


def test_a_period_without_sessions_is_refused():
    today_lunar = LunarDate.from_solar_date(2026, 12, 1).day
    rural_market(days=(29 if today_lunar < 25 else 12,))  # meets on another lunar day than Dec 1st's
    campaign = builders.campaign(start=dt.date(2026, 12, 1), end=dt.date(2026, 12, 1))
    with pytest.raises(OccurrenceError, match="No market session"):
        occurrences_build(campaign=campaign, actor=SYSTEM)


def test_rebuilding_keeps_what_is_unchanged_and_flown_occurrences_survive():
    market = rural_market()
    campaign = builders.campaign()
    occurrences_build(campaign=campaign, actor=SYSTEM)
    again = occurrences_build(campaign=campaign, actor=SYSTEM)
    total = Occurrence.objects.filter(campaign=campaign).count()
    assert (again.created, again.unchanged, again.removed) == (0, total, 0)
    last = Occurrence.objects.filter(campaign=campaign).last()
    drone = Drone.objects.create(name="D", serial="S", connection="tcp:127.0.0.1:5760", payloads=["loudspeaker"])
    pilot = Pilot.objects.create(user=make_user(None), licence_no="L", licence_expiry=dt.date(2030, 1, 1))
    Sortie.objects.create(
        occurrence=last,
        drone=drone,
        pilot=pilot,
        launch_lat=36.18,
        launch_lon=118.17,
        start=last.window_start,
        end=last.window_start + dt.timedelta(minutes=20),
        status="flown",
    )
    campaign.end_date = dt.date(2026, 12, 10)
    campaign.save()
    shrunk = occurrences_build(campaign=campaign, actor=SYSTEM)
    assert shrunk.kept_flown == (1 if last.date > dt.date(2026, 12, 10) else 0)
    assert Occurrence.objects.filter(pk=last.pk).exists()
    market.attendance = 5000
    market.save()
    updated = occurrences_build(campaign=campaign, actor=SYSTEM)
    assert updated.updated >= 1
