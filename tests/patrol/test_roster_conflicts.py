"""The pure conflict checks: double booking, travel, leave, qualification, daily and weekly maxima."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from patrol.roster.conflicts import Absence, Limits, ShiftInfo, StaffInfo, assignment_conflicts, travel_min

DAY = dt.date(2030, 9, 2)  # a Monday
LIMITS = Limits(speed_kmh=30.0, min_rest_min=10, max_per_day=3, max_per_week=12)


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hh, mm)))


def shift(pk: int, start: dt.datetime, minutes: int = 40, *, lat=36.18, lon=118.17, school=1, station=7, **kw):
    return ShiftInfo(
        shift_id=pk,
        date=timezone.localdate(start),
        start=start,
        end=start + dt.timedelta(minutes=minutes),
        lat=lat,
        lon=lon,
        school_id=school,
        school_name=f"School {school}",
        gate_name="North gate",
        post_name="Post 1",
        responsible_station_id=station,
        requirements=kw.get("requirements", {"police": 1, "auxiliary": 1, "guard": 1}),
    )


POLICE = StaffInfo(staff_id=1, name="Li Wei", role="police", station_id=7)
GUARD = StaffInfo(staff_id=2, name="Wang Fang", role="guard", school_id=1)


def codes(found) -> list[str]:
    return [c.code for c in found]


def test_free_person_has_no_conflict():
    assert (
        assignment_conflicts(staff=POLICE, role="police", shift=shift(1, at(DAY, 7, 20)), existing=[], limits=LIMITS)
        == []
    )


def test_double_booking_names_the_other_shift():
    other = shift(2, at(DAY, 7, 30), school=3)
    found = assignment_conflicts(
        staff=POLICE, role="police", shift=shift(1, at(DAY, 7, 20)), existing=[other], limits=LIMITS
    )
    assert codes(found) == ["double_booked"]
    assert found[0].message == "Li Wei is already on duty at School 3, North gate (Post 1) 2030-09-02 07:30–08:10."
    assert found[0].other is other


def test_travel_time_between_distant_gates():
    # About 11 km apart: 22 min at 30 km/h plus 10 min rest, but only 20 min between the shifts.
    before = shift(2, at(DAY, 6, 20), lat=36.28, lon=118.17)
    found = assignment_conflicts(
        staff=POLICE, role="police", shift=shift(1, at(DAY, 7, 20)), existing=[before], limits=LIMITS
    )
    assert codes(found) == ["travel"]
    assert "20 min between them" in found[0].message
    assert travel_min(before, shift(1, at(DAY, 7, 20)), speed_kmh=30) == pytest.approx(22.2, abs=0.5)


def test_rest_applies_even_at_the_same_gate():
    before = shift(2, at(DAY, 6, 35))  # ends 07:15, 5 min before
    found = assignment_conflicts(
        staff=POLICE, role="police", shift=shift(1, at(DAY, 7, 20)), existing=[before], limits=LIMITS
    )
    assert codes(found) == ["travel"]


def test_leave_and_other_duty():
    absences = [
        Absence(kind="leave", start=at(DAY, 0), end=at(DAY, 12)),
        Absence(kind="other_duty", start=at(DAY, 7), end=at(DAY, 9)),
    ]
    found = assignment_conflicts(
        staff=POLICE, role="police", shift=shift(1, at(DAY, 7, 20)), existing=[], absences=absences, limits=LIMITS
    )
    assert codes(found) == ["on_leave", "other_duty"]
    assert found[0].message == "Li Wei is on leave from 2030-09-02 00:00 to 2030-09-02 12:00."


def test_role_school_and_station_rules():
    assert codes(
        assignment_conflicts(staff=GUARD, role="police", shift=shift(1, at(DAY, 7)), existing=[], limits=LIMITS)
    ) == ["not_qualified"]
    assert codes(
        assignment_conflicts(
            staff=GUARD, role="guard", shift=shift(1, at(DAY, 7), school=2), existing=[], limits=LIMITS
        )
    ) == ["other_school"]
    assert (
        codes(
            assignment_conflicts(staff=POLICE, role="auxiliary", shift=shift(1, at(DAY, 7)), existing=[], limits=LIMITS)
        )
        == []
    )
    aux = StaffInfo(staff_id=3, name="Zhao", role="auxiliary", station_id=7)
    assert codes(
        assignment_conflicts(staff=aux, role="police", shift=shift(1, at(DAY, 7)), existing=[], limits=LIMITS)
    ) == ["not_qualified"]
    found = assignment_conflicts(
        staff=POLICE, role="police", shift=shift(1, at(DAY, 7), station=8), existing=[], limits=LIMITS
    )
    assert codes(found) == ["other_station"]
    only_police = shift(1, at(DAY, 7), requirements={"police": 1})
    assert codes(
        assignment_conflicts(staff=POLICE, role="auxiliary", shift=only_police, existing=[], limits=LIMITS)
    ) == ["role_not_needed"]


def test_daily_and_weekly_maximum_with_personal_override():
    existing = [shift(10 + i, at(DAY, 8 + 2 * i)) for i in range(3)]
    found = assignment_conflicts(
        staff=POLICE, role="police", shift=shift(1, at(DAY, 16)), existing=existing, limits=LIMITS
    )
    assert codes(found) == ["max_per_day"]
    assert found[0].message == "Li Wei already has 3 duties on 2030-09-02 (maximum 3)."
    week = [shift(20 + i, at(DAY + dt.timedelta(days=i), 7)) for i in range(1, 3)]
    tight = StaffInfo(staff_id=1, name="Li Wei", role="police", station_id=7, max_per_week=2)
    found = assignment_conflicts(staff=tight, role="police", shift=shift(1, at(DAY, 7)), existing=week, limits=LIMITS)
    assert codes(found) == ["max_per_week"]
    # Next week's duties do not count.
    later = [shift(30 + i, at(DAY + dt.timedelta(days=7 + i), 7)) for i in range(2)]
    assert (
        assignment_conflicts(staff=tight, role="police", shift=shift(1, at(DAY, 7)), existing=later, limits=LIMITS)
        == []
    )


def test_inactive_person():
    gone = StaffInfo(staff_id=1, name="Li Wei", role="police", station_id=7, active=False)
    assert codes(
        assignment_conflicts(staff=gone, role="police", shift=shift(1, at(DAY, 7)), existing=[], limits=LIMITS)
    ) == ["inactive"]
