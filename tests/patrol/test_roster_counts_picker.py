"""The shift picker (add someone to a duty by hand): each candidate's availability that day and load,
sorted free first, then those who fill a missing place, then the least loaded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from common.roles import Role
from patrol.models import DutyAssignment, DutyRole
from patrol.roster.picker import shift_candidates
from tests.factories import GateFactory, SchoolFactory, StationFactory, make_user
from tests.patrol.factories import (
    DutyAssignmentFactory,
    DutyShiftFactory,
    DutyStaffFactory,
    LeaveFactory,
    PostFactory,
    TermFactory,
    local,
)

pytestmark = pytest.mark.django_db

MON = dt.date(2026, 9, 7)
WED = MON + dt.timedelta(days=2)


@pytest.fixture
def picker(db):
    """Wednesday 07:20-08:00 at school A (1 police + 1 guard needed, nobody yet). Station people:
    Free Fang (2 duties this week), Idle Ing (none), Leave Lu (on leave Wednesday), Busy Bo (on duty at
    school B at the same time), Far Fu (at school C 40 km away until 07:10), Max Ma (weekly limit 1,
    reached). The school's guard Gate Ge. People of other stations are not offered."""
    station = StationFactory(name="North", lat=36.18, lon=118.17)
    term = TermFactory()

    def school(lat):
        s = SchoolFactory(lat=lat, lon=118.17)
        s.responsible_station = station
        s.save(update_fields=["responsible_station"])
        return s

    a, b, c = school(36.18), school(36.181), school(36.54)

    def shift(at, day=WED, start=(7, 20), end=(8, 0), requirements=None):
        post = PostFactory(
            gate=GateFactory(school=at, lat=at.lat, lon=at.lon), requirements=requirements or {"police": 1}
        )
        return DutyShiftFactory(term=term, post=post, date=day, start=local(day, *start), end=local(day, *end))

    target = shift(a, requirements={"police": 1, "guard": 1})
    police = {
        name: DutyStaffFactory(role=DutyRole.POLICE, station=station, name=name, **kw)
        for name, kw in (
            ("Free Fang", {}),
            ("Idle Ing", {}),
            ("Leave Lu", {}),
            ("Busy Bo", {}),
            ("Far Fu", {}),
            ("Max Ma", {"max_per_week": 1}),
        )
    }
    for day in (MON, MON + dt.timedelta(days=1)):
        DutyAssignmentFactory(shift=shift(b, day=day), staff=police["Free Fang"])
    DutyAssignmentFactory(shift=shift(b, day=MON - dt.timedelta(days=7)), staff=police["Idle Ing"])  # last week
    LeaveFactory(staff=police["Leave Lu"], start=local(WED, 0), end=local(WED, 23), reason="sick")
    DutyAssignmentFactory(shift=shift(b), staff=police["Busy Bo"])
    DutyAssignmentFactory(shift=shift(c, start=(6, 30), end=(7, 10)), staff=police["Far Fu"])
    DutyAssignmentFactory(shift=shift(b, day=MON), staff=police["Max Ma"])
    guard = DutyStaffFactory(role=DutyRole.GUARD, station=None, school=a, name="Gate Ge")
    DutyStaffFactory(role=DutyRole.POLICE, station=StationFactory(), name="Other Station")
    return {"target": target, "police": police, "guard": guard}


def test_each_candidate_has_availability_and_load_sorted_for_choosing(picker):
    target = picker["target"]
    found = shift_candidates(shift=target, exclude_staff_ids=set(), missing={"police": 1, "guard": 1})
    assert [(c.staff.name, c.status, c.week_load, c.term_load) for c in found] == [
        ("Gate Ge", "available", 0, 0),
        ("Idle Ing", "available", 0, 1),
        ("Free Fang", "available", 2, 2),
        ("Leave Lu", "on_leave", 0, 0),
        ("Busy Bo", "double_booked", 1, 1),
        ("Far Fu", "travel", 1, 1),
        ("Max Ma", "max_per_week", 1, 1),
    ]
    by_name = {c.staff.name: c for c in found}
    assert by_name["Leave Lu"].status_label == "on leave"
    assert "is on leave from" in by_name["Leave Lu"].detail
    assert by_name["Busy Bo"].status_label == "already on duty at that time"
    assert by_name["Far Fu"].status_label == "too far to get there in time"
    assert by_name["Max Ma"].status_label == "weekly limit reached"
    assert [c.staff.name for c in found[:3]] == ["Gate Ge", "Idle Ing", "Free Fang"]
    assert all(not c.available for c in found[3:])
    assert "Other Station" not in by_name


def test_free_people_who_fill_a_missing_role_come_before_the_others(picker):
    target = picker["target"]
    DutyAssignmentFactory(shift=target, staff=picker["guard"])
    found = shift_candidates(shift=target, exclude_staff_ids={picker["guard"].id}, missing={"police": 1})
    assert [c.staff.name for c in found if c.available] == ["Idle Ing", "Free Fang"]
    assert found[0].fills_missing and found[0].role == "police"


def test_option_labels_in_both_languages(picker):
    found = shift_candidates(shift=picker["target"], exclude_staff_ids=set(), missing={"police": 1})
    idle = next(c for c in found if c.staff.name == "Idle Ing")
    assert idle.option_label == "Idle Ing (Police officer) · available · 0 this week, 1 this term"
    with translation.override("zh-hans"):
        assert idle.option_label == "Idle Ing（民警）· 可安排 · 本周 0 次，本学期 1 次"


def test_the_shift_page_shows_the_picker_with_availability_and_load(picker, django_assert_max_num_queries):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user(Role.BRIGADE_SCHEDULER, username="picker_sched"))
    url = reverse("patrol:roster-shift", args=[picker["target"].pk])
    body = client.get(url).content.decode()
    assert 'id="picker-candidates"' in body
    assert "Idle Ing (Police officer) · available · 0 this week, 1 this term" in body
    assert 'class="candidate-on_leave"' in body and "on leave" in body
    assert body.index("Idle Ing (Police officer)") < body.index("Leave Lu (Police officer)")
    # The candidates' checks are a fixed number of queries, not one per person.
    for n in range(10):
        DutyStaffFactory(role=DutyRole.POLICE, station=picker["police"]["Idle Ing"].station, name=f"Extra {n}")
    with django_assert_max_num_queries(30):
        client.get(url)


def test_adding_someone_unavailable_is_still_refused_with_the_reason(picker):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user(Role.BRIGADE_SCHEDULER, username="picker_sched2"))
    target = picker["target"]
    response = client.post(
        reverse("patrol:roster-assignment-add", args=[target.pk]),
        {"staff": picker["police"]["Leave Lu"].pk, "role": "police"},
        follow=True,
    )
    assert "Leave Lu is on leave from" in response.content.decode()
    assert not DutyAssignment.objects.filter(shift=target).exists()
