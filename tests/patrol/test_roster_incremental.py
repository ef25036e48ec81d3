"""Re-planning only the pieces (a pool's week) whose inputs changed: the same roster and report as a full
re-plan, for a leave, a transfer, a closed school and a hand edit; what it re-plans; what it checks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework.test import APIClient

from campus.models import School, Station, Term
from common.roles import Role
from patrol.models import DutyAssignment, DutyRole, DutyShift, DutyStaff, Roster
from patrol.roster import generate as generate_module
from patrol.roster.generate import roster_generate
from patrol.roster.problem import Problem, Shift, Staff, roster_violations
from tests.factories import GateFactory, SchoolFactory, StationFactory, make_user
from tests.patrol.factories import DutyShiftFactory, DutyStaffFactory, LeaveFactory, PostFactory, TermFactory, local

MON = dt.date(2026, 9, 7)
WEEKS = [MON + dt.timedelta(days=7 * n) for n in range(3)]
LIMIT = 10.0


@pytest.fixture(scope="module")
def county_once(django_db_setup, django_db_blocker) -> dict:
    """The county below, generated once for the module (a roster takes seconds): it lives in a transaction
    opened here and rolled back at the end, and each test runs in its own savepoint inside it (``db``), so
    what a test changes is undone before the next."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            scheduler = make_user(Role.BRIGADE_SCHEDULER, username="incremental_scheduler")
            ids = _build_county(scheduler)
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield {"scheduler": scheduler.pk, **ids}
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def scheduler(county_once, db):
    return get_user_model().objects.get(pk=county_once["scheduler"])


@pytest.fixture
def county(county_once, db) -> dict:
    """Fresh instances each test: a test that changes one in memory leaves the next one's alone."""
    staff = DutyStaff.objects.in_bulk([pk for pks in county_once["police"].values() for pk in pks])
    return {
        "term": Term.objects.get(pk=county_once["term"]),
        "stations": [Station.objects.get(pk=pk) for pk in county_once["stations"]],
        "schools": [School.objects.get(pk=pk) for pk in county_once["schools"]],
        "police": {station: [staff[pk] for pk in pks] for station, pks in county_once["police"].items()},
    }


def _build_county(scheduler) -> dict:
    """Two stations, each responsible for two schools 3 km apart; each school a main gate post needing a
    police officer and a guard, arrival and dismissal, Monday to Friday for three weeks. Three police
    officers a station (so in each window two are on duty and one is free) and two guards a school. The
    roster is generated and published (pinned), as before a re-plan."""
    term = TermFactory()
    stations = [StationFactory(), StationFactory()]
    schools, police = [], {}
    for n, station in enumerate(stations):
        police[station.id] = [
            DutyStaffFactory(role=DutyRole.POLICE, station=station, school=None, name=f"P{n}-{k}") for k in range(3)
        ]
        for k in range(2):
            school = SchoolFactory(lat=36.18 + n * 0.2 + k * 0.027, lon=118.17)
            school.responsible_station = station
            school.save(update_fields=["responsible_station"])
            schools.append(school)
            for g in range(2):
                DutyStaffFactory(role=DutyRole.GUARD, station=None, school=school, name=f"G{school.id}-{g}")
            post = PostFactory(gate=GateFactory(school=school, lat=school.lat, lon=school.lon),
                               requirements={"police": 1, "guard": 1})  # fmt: skip
            for week in WEEKS:
                for d in range(5):
                    day = week + dt.timedelta(days=d)
                    for start, end in (((7, 20), (8, 0)), ((16, 10), (16, 45))):
                        DutyShiftFactory(term=term, post=post, date=day, start=local(day, *start),
                                         end=local(day, *end), requirements={"police": 1, "guard": 1})  # fmt: skip
    roster = roster_generate(term=term, actor=scheduler, time_limit_s=LIMIT)
    assert roster.report["coverage"]["share"] == 1.0
    DutyAssignment.objects.update(pinned=True, published=True)
    return {
        "term": term.pk,
        "stations": [station.pk for station in stations],
        "schools": [school.pk for school in schools],
        "police": {station_id: [person.pk for person in people] for station_id, people in police.items()},
    }


def _rows() -> set[tuple[int, int, str]]:
    return set(DutyAssignment.objects.values_list("shift_id", "staff_id", "role"))


def _replan(county, scheduler, **kwargs) -> Roster:
    return roster_generate(
        term=county["term"], actor=scheduler, time_limit_s=LIMIT, replan=True, from_date=MON, **kwargs
    )


def _both_ways(county, scheduler) -> tuple[Roster, set, Roster, set]:
    """Re-plan incrementally, then put the published roster (and its stored report) back and re-plan it
    all: both answers, each with the assignments it left."""
    snapshot = list(DutyAssignment.objects.values("shift_id", "staff_id", "role", "pinned", "published", "source"))
    stored = Roster.objects.get(term=county["term"]).report
    incremental = _replan(county, scheduler)
    incremental_rows = _rows()
    DutyAssignment.objects.all().delete()
    DutyAssignment.objects.bulk_create([DutyAssignment(**row) for row in snapshot])
    Roster.objects.filter(term=county["term"]).update(report=stored)
    full = _replan(county, scheduler, full=True)
    return incremental, incremental_rows, full, _rows()


def _same_report(incremental: dict, full: dict) -> None:
    """What the user reads is the same, whichever way the roster was re-planned."""
    assert "incremental" in incremental and "incremental" not in full
    for key in ("coverage", "uncovered_count", "load", "liaison", "continuity", "assignments"):
        assert incremental[key] == full[key], key
    # The assignment ids differ: the full re-plan ran on the published roster written again.
    assert [{**r, "assignment_id": 0} for r in incremental["released"]] == [
        {**r, "assignment_id": 0} for r in full["released"]
    ]
    for key in ("previous", "kept", "removed", "added"):
        assert incremental["changes"][key] == full["changes"][key], key

    def places(report):
        return sorted((u["shift_id"], u["role"], u["reason"], u["count"]) for u in report["uncovered"])

    assert places(incremental) == places(full)


def _replanned_weeks(report: dict) -> set[str]:
    return {key.split("@")[1] for key in report["incremental"]["replanned_list"]}


def test_first_generation_stores_a_fingerprint_for_every_piece(county):
    state = Roster.objects.get(term=county["term"]).report["state"]
    # 2 stations and 4 schools, 3 weeks each.
    assert len(state["pieces"]) == 18
    assert all(len(entry[0]) == 16 for entry in state["pieces"].values())


def test_replan_with_nothing_changed_replans_nothing_and_writes_nothing(county, scheduler):
    before = set(DutyAssignment.objects.values_list("id", flat=True))
    roster = _replan(county, scheduler)
    assert roster.report["incremental"]["replanned"] == 0
    assert roster.report["changes"]["removed"] == roster.report["changes"]["added"] == 0
    assert roster.report["coverage"]["share"] == 1.0 and roster.report["coverage"]["required"] == 240
    assert set(DutyAssignment.objects.values_list("id", flat=True)) == before
    assert roster.report["pieces"]["by_status"] == {"unchanged": 3}


def test_leave_replans_only_that_weeks_piece_and_matches_a_full_replan(county, scheduler):
    station = county["stations"][0]
    tuesday = WEEKS[1] + dt.timedelta(days=1)
    sick = DutyAssignment.objects.filter(shift__date=tuesday, staff__station=station).first().staff
    lost = DutyAssignment.objects.filter(staff=sick, shift__date=tuesday).count()
    LeaveFactory(staff=sick, start=local(tuesday, 0), end=local(tuesday, 23, 59))

    incremental, incremental_rows, full, full_rows = _both_ways(county, scheduler)

    assert incremental_rows == full_rows
    assert not {row for row in incremental_rows if row[1] == sick.id} & set(
        DutyShift.objects.filter(date=tuesday).values_list("id", flat=True)
    )
    report = incremental.report
    assert report["incremental"]["replanned_list"] == [f"station:{station.id}@{WEEKS[1].isoformat()}"]
    solved = [p for p in report["pieces"]["list"] if p["status"] != "unchanged"]
    assert solved and {p["week"] for p in solved} == {WEEKS[1].isoformat()}
    assert report["changes"]["removed"] == report["changes"]["added"] == lost
    assert report["coverage"]["share"] == 1.0
    _same_report(report, full.report)


def test_transfer_replans_both_stations_every_week_and_matches_a_full_replan(county, scheduler, monkeypatch):
    # Both stations every week are all the police places of this small county: above the share where
    # a full re-plan is taken anyway (the next test), so let the re-plan go piece by piece.
    monkeypatch.setattr(generate_module, "INCREMENTAL_MAX_SHARE", 1.0)
    a, b = county["stations"]
    moved = county["police"][a.id][0]
    had = DutyAssignment.objects.filter(staff=moved).count()
    assert had > 0
    moved.station = b
    moved.save(update_fields=["station"])

    incremental, incremental_rows, full, full_rows = _both_ways(county, scheduler)

    assert incremental_rows == full_rows
    report = incremental.report
    assert set(report["incremental"]["replanned_list"]) == {
        f"station:{station.id}@{week.isoformat()}" for station in (a, b) for week in WEEKS
    }
    assert report["changes"]["removed"] == had  # released: no longer at a school of their station
    assert {r["staff_id"] for r in report["released"]} == {moved.id}
    assert report["coverage"]["share"] == 1.0
    _same_report(report, full.report)


def test_a_change_touching_most_of_the_term_is_replanned_in_full(county, scheduler):
    a, b = county["stations"]
    moved = county["police"][a.id][0]
    had = DutyAssignment.objects.filter(staff=moved).count()
    moved.station = b
    moved.save(update_fields=["station"])
    roster = _replan(county, scheduler)
    assert "incremental" not in roster.report
    assert roster.report["changes"]["removed"] == had and roster.report["coverage"]["share"] == 1.0


def test_closed_school_replans_its_week_and_matches_a_full_replan(county, scheduler):
    school = county["schools"][0]
    wednesday = WEEKS[2] + dt.timedelta(days=2)
    thursday = wednesday + dt.timedelta(days=1)
    # Closed on Wednesday (the shifts went, their duties with them) and on Thursday, when the shifts are
    # kept but need no one: their duties must go.
    DutyShift.objects.filter(post__gate__school=school, date=wednesday).delete()
    thursday_shifts = DutyShift.objects.filter(post__gate__school=school, date=thursday)
    stale = DutyAssignment.objects.filter(shift__in=thursday_shifts).count()
    assert stale == 4
    thursday_shifts.update(requirements={})

    incremental, incremental_rows, full, full_rows = _both_ways(county, scheduler)

    assert incremental_rows == full_rows
    assert not DutyAssignment.objects.filter(shift__in=thursday_shifts).exists()
    report = incremental.report
    assert _replanned_weeks(report) == {WEEKS[2].isoformat()}
    assert f"school:{school.id}@{WEEKS[2].isoformat()}" in report["incremental"]["replanned_list"]
    assert report["changes"]["removed"] == stale and report["changes"]["added"] == 0
    assert report["coverage"]["required"] == 240 - 4 - 4  # two shifts a day, a police officer and a guard each
    _same_report(report, full.report)


def test_hand_edit_replans_its_piece_only(county, scheduler):
    guard_duty = DutyAssignment.objects.filter(role="guard", shift__date=WEEKS[0]).first()
    school_id = guard_duty.shift.post.gate.school_id
    other = (
        DutyAssignment.objects.filter(role="guard", shift__post__gate__school_id=school_id)
        .exclude(staff=guard_duty.staff)
        .first()
        .staff
    )
    guard_duty.staff = other
    guard_duty.source = DutyAssignment.Source.MANUAL
    guard_duty.save()
    roster = _replan(county, scheduler)
    assert roster.report["incremental"]["replanned_list"] == [f"school:{school_id}@{WEEKS[0].isoformat()}"]
    assert DutyAssignment.objects.get(pk=guard_duty.pk).staff == other


def test_full_replan_on_request_replans_every_piece(county, scheduler):
    roster = _replan(county, scheduler, full=True)
    assert "incremental" not in roster.report
    assert roster.report["pieces"]["count"] == 3  # one lane, three weeks
    assert roster.report["changes"]["removed"] == 0


def test_the_api_shows_the_report_without_the_fingerprints(county):
    client = APIClient()
    client.force_authenticate(make_user(Role.BRIGADE_SCHEDULER, username="incremental_api"))
    response = client.get(f"/api/patrol/terms/{county['term'].pk}/generate/")
    assert response.status_code == 200
    assert "coverage" in response.json()["report"] and "state" not in response.json()["report"]


def _shift(n: int, day: int, hour: int, post: int) -> Shift:
    start = 1_788_739_200 + day * 86400 + hour * 3600
    return Shift(n, post, "Main", "Gate", 1, "School 1", 1, 36.18, 118.17, MON + dt.timedelta(days=day),
                 "arrival", start, start + 2400, "", {"police": 1})  # fmt: skip


def test_validator_checks_a_replanned_duty_against_the_persons_duties_left_out():
    """A duty planned in one piece against the same person's duty in a piece left out: overlap, and the
    daily limit counted across both."""
    planned, elsewhere = _shift(1, 0, 7, post=1), _shift(2, 0, 7, post=2)
    problem = Problem(
        term_id=1, from_date=MON, shifts=[planned], staff=[Staff(1, "Li", "police", 1, None, 1, 12)],
        leaves={}, existing=[], prior_load={}, prior_week_load={}, context={1: [elsewhere]},
    )  # fmt: skip
    found = roster_violations(problem, [(1, 1, "police")])
    assert "staff 1: shifts 1 and 2 conflict (overlap)" in found
    assert f"staff 1: 2 duties on {MON} > 1" in found
    problem.context = {}
    assert roster_violations(problem, [(1, 1, "police")]) == []
