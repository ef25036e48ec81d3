"""Why places stayed uncovered: causes stored as codes with params, grouped by cause and station, the
people on leave named with their dates, a suggested fix, in the reader's language (English, zh-hans)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from common.roles import Role
from patrol.models import DutyRole, Roster
from patrol.roster.explain import explain_uncovered
from patrol.roster.generate import roster_generate_greedy
from tests.factories import GateFactory, SchoolFactory, StationFactory, make_user
from tests.patrol.factories import DutyShiftFactory, DutyStaffFactory, LeaveFactory, PostFactory, TermFactory, local

pytestmark = pytest.mark.django_db

MON = dt.date(2026, 9, 7)


@pytest.fixture
def scheduler_user(db):
    return make_user(Role.BRIGADE_SCHEDULER, username="explain_sched")


def _school(station, lat=36.18, lon=118.17):
    school = SchoolFactory(lat=lat, lon=lon)
    school.responsible_station = station
    school.save(update_fields=["responsible_station"])
    return school


def _shift(term, school, requirements, day=MON):
    post = PostFactory(gate=GateFactory(school=school, lat=school.lat, lon=school.lon), requirements=requirements)
    return DutyShiftFactory(term=term, post=post, date=day, start=local(day, 7, 20), end=local(day, 8, 0))


@pytest.fixture
def mostly_on_leave(db):
    """Station East: 12 police, 10 of them on leave on Monday; three posts at the same time on Monday.
    Station West, 2 km away, has 3 police; Station Far, 50 km away, 5."""
    east = StationFactory(name="East", lat=36.18, lon=118.17)
    west = StationFactory(name="West", lat=36.18, lon=118.19)
    far = StationFactory(name="Far", lat=36.63, lon=118.17)
    term = TermFactory()
    school = _school(east)
    shifts = [_shift(term, school, {"police": 1}) for _n in range(3)]
    police = [DutyStaffFactory(role=DutyRole.POLICE, station=east, name=f"East {n:02d}") for n in range(12)]
    for person in police[:10]:
        LeaveFactory(staff=person, start=local(MON, 0), end=local(MON + dt.timedelta(days=2), 0), reason="training")
    for n in range(3):
        DutyStaffFactory(role=DutyRole.POLICE, station=west, name=f"West {n}")
    for n in range(5):
        DutyStaffFactory(role=DutyRole.POLICE, station=far, name=f"Far {n}")
    return {"term": term, "east": east, "shifts": shifts, "police": police}


def test_leave_is_named_as_the_cause_when_most_are_on_leave(mostly_on_leave, scheduler_user):
    roster = roster_generate_greedy(term=mostly_on_leave["term"], actor=scheduler_user)
    [row] = roster.report["uncovered"]
    assert row["reason"] == "all_busy"  # the old reason: not everyone is on leave
    assert row["cause"] == "leave" and "reason_text" not in row
    params = row["params"]
    assert params["station_id"] == mostly_on_leave["east"].id and params["qualified"] == 12
    assert len(params["people"]["leave"]) == 10 and len(params["people"]["overlap"]) == 2
    assert params["people"]["leave"][0] == {
        "id": mostly_on_leave["police"][0].id,
        "name": "East 00",
        "from": "2026-09-07",
        "to": "2026-09-08",
    }


def test_groups_by_cause_and_station_with_names_dates_and_the_nearest_station(mostly_on_leave, scheduler_user):
    roster = roster_generate_greedy(term=mostly_on_leave["term"], actor=scheduler_user)
    [group] = explain_uncovered(roster.report["uncovered"])
    assert (group.cause, group.station, group.places, group.label) == (
        "leave",
        "East",
        1,
        "People on leave or another duty",
    )
    assert group.summary == "1 place uncovered at 1 schools, 2026-09-07 to 2026-09-07"
    assert group.people_text[0].startswith("On leave or another duty: East 00 (2026-09-07 – 2026-09-08); East 01")
    assert group.people_text[1] == "2 people busy elsewhere at that time."
    assert group.suggestions == ["Borrow Police officer from a neighbouring station: West (3 people), Far (5 people)."]


def test_the_explanation_is_in_the_readers_language(mostly_on_leave, scheduler_user):
    with translation.override("en"):
        roster = roster_generate_greedy(term=mostly_on_leave["term"], actor=scheduler_user)
    with translation.override("zh-hans"):
        [group] = explain_uncovered(roster.report["uncovered"])
        assert group.label == "人员休假或另有勤务"
        assert group.people_text[0].startswith("休假或另有勤务：East 00（2026-09-07 – 2026-09-08）")
        assert group.suggestions[0].startswith("从邻近派出所借调民警：West（3人）")


def test_many_places_make_one_group_per_cause_and_station(db, scheduler_user):
    station = StationFactory(name="Lone", lat=36.18, lon=118.17)
    term = TermFactory()
    school = _school(station)
    for day in range(5):
        _shift(term, school, {"police": 1, "guard": 1}, day=MON + dt.timedelta(days=day))
    roster = roster_generate_greedy(term=term, actor=scheduler_user)
    assert len(roster.report["uncovered"]) == 10
    groups = explain_uncovered(roster.report["uncovered"])
    assert [(g.cause, g.station, g.roles_text, g.places, len(g.rows)) for g in groups] == [
        ("no_one_qualified", "Lone", "Police officer", 5, 5),
        ("no_one_qualified", "Lone", "School guard", 5, 5),
    ]
    assert any("Ask the school to name another School guard" in tip for g in groups for tip in g.suggestions)


def test_a_weekly_limit_is_named_with_the_person_and_the_limit(db, scheduler_user):
    station = StationFactory(name="Small", lat=36.18, lon=118.17)
    term = TermFactory()
    school = _school(station)
    _shift(term, school, {"police": 1})
    _shift(term, school, {"police": 1}, day=MON + dt.timedelta(days=1))
    DutyStaffFactory(role=DutyRole.POLICE, station=station, name="Officer Sun", max_per_week=1)
    roster = roster_generate_greedy(term=term, actor=scheduler_user)
    [row] = roster.report["uncovered"]
    assert row["cause"] == "week_limit"
    assert row["params"]["people"]["week_limit"][0]["limit"] == 1
    [group] = explain_uncovered(roster.report["uncovered"])
    assert group.people_text == ["At their limit: Officer Sun (limit 1)."]
    assert group.suggestions[0] == "Relax the weekly limit of Officer Sun (or the county default, 12 a week)."


def test_reports_written_before_causes_are_still_explained():
    rows = [
        {"date": "2026-09-07", "school": "S", "role": "police", "count": 2, "reason": "limit_reached"},
        {"date": "2026-09-08", "school": "S", "role": "police", "count": 1, "reason": "all_on_leave"},
    ]
    groups = explain_uncovered(rows)
    assert sorted((g.cause, g.places, g.station) for g in groups) == [
        ("leave", 1, "no station"),
        ("limit", 2, "no station"),
    ]


def test_generate_page_shows_groups_in_english_and_chinese(mostly_on_leave, scheduler_user):
    roster_generate_greedy(term=mostly_on_leave["term"], actor=scheduler_user)
    url = reverse("patrol:generate-term", kwargs={"pk": mostly_on_leave["term"].pk})
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.force_login(scheduler_user)
    body = english.get(url).content.decode()
    assert "People on leave or another duty · East · Police officer" in body
    assert "East 09 (2026-09-07 – 2026-09-08)" in body
    assert "Borrow Police officer from a neighbouring station: West (3 people)" in body
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    chinese.force_login(scheduler_user)
    body = chinese.get(url).content.decode()
    assert "人员休假或另有勤务 · East" in body and "建议" in body


def test_school_staff_see_their_schools_gaps_without_the_names_of_people_on_leave(mostly_on_leave, scheduler_user):
    roster_generate_greedy(term=mostly_on_leave["term"], actor=scheduler_user)
    school = mostly_on_leave["shifts"][0].post.gate.school
    staff_user = make_user(Role.SCHOOL_STAFF, school=school, username="explain_school")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(staff_user)
    body = client.get(reverse("patrol:generate-term", kwargs={"pk": mostly_on_leave["term"].pk})).content.decode()
    assert "People on leave or another duty · East" in body
    assert "East 00" not in body
    api = client.get(reverse("patrol_api:generate-term", kwargs={"pk": mostly_on_leave["term"].pk}))
    if api.status_code == 200:
        assert "people" not in api.json()["report"]["uncovered"][0]["params"]
    assert Roster.objects.get(term=mostly_on_leave["term"]).report["uncovered"][0]["params"]["people"]["leave"]
