"""The overview's duty counts come from aggregate queries and equal what the full board of the day shows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from common.roles import Role
from patrol.duty import selectors
from patrol.duty.dashboard import duty_section
from patrol.duty.services import duty_check_out
from patrol.models import CheckIn, DutyAssignment, DutyRole, DutyShift, Leave
from patrol.roster.selectors import missing_roles
from tests.factories import make_user
from tests.patrol.factories import DutyAssignmentFactory, DutyShiftFactory, DutyStaffFactory, PostFactory, local
from tests.patrol.test_duty_helpers import DAY

pytestmark = pytest.mark.django_db

NOW = local(DAY, 7, 40)  # after the 07:20 windows' grace, before the 16:10 ones


def _board_counts(board: selectors.Board) -> dict[str, int]:
    """The four counts (and their notes) as the section used to take them from the built board."""
    people = [p for row in board.rows for p in row["people"]]
    return {
        "places": sum(int(n or 0) for row in board.rows for n in (row["requirements"] or {}).values()),
        "uncovered": sum(sum(row["uncovered_roles"].values()) for row in board.rows),
        "people": len(people),
        "checked_in": sum(1 for p in people if p["checked_in_at"] is not None),
        "late": sum(1 for p in people if p["late"]),
        "missing": sum(1 for p in people if p["status"] == selectors.Status.MISSING),
    }


def _section_counts(section) -> dict[str, int]:
    tiles = {t.key: t for t in section.tiles}
    return {
        "places": int(tiles["uncovered_today"].note.split()[1]),  # "of N places today"
        "uncovered": tiles["uncovered_today"].value,
        "people": int(tiles["checked_in"].note.split()[1]),  # "of N people assigned"
        "checked_in": tiles["checked_in"].value,
        "late": tiles["late"].value,
        "missing": tiles["missing"].value,
    }


@pytest.fixture
def busy_day(county):
    """``county``'s Monday plus what the simple case lacks: a post whose spare police fill its auxiliary
    place, an over-staffed guard post, an officer on leave still on the roster, someone checked out, an
    afternoon window nobody can be missing from yet, and another day's duties that must not count."""
    spare = PostFactory(gate=county.gate, requirements={"police": 1, "auxiliary": 2, "volunteer": 1})
    shift = DutyShiftFactory(term=county.term, post=spare, date=DAY, start=local(DAY, 7, 20), end=local(DAY, 8, 0))
    police = [DutyStaffFactory(station=county.station, name=f"Officer {n}") for n in range(3)]
    for person in police:  # three police: one police place, two spare fill the auxiliary places
        DutyAssignmentFactory(shift=shift, staff=person, role=DutyRole.POLICE)
    on_leave = police[2]
    Leave.objects.create(staff=on_leave, start=local(DAY, 0, 0), end=local(DAY, 23, 59), reason="sick")

    guards = PostFactory(gate=county.gate, requirements={"guard": 1})
    guard_shift = DutyShiftFactory(term=county.term, post=guards, date=DAY, start=local(DAY, 7, 20),
                                   end=local(DAY, 8, 0))  # fmt: skip
    for n in range(2):
        staff = DutyStaffFactory(role=DutyRole.GUARD, station=None, school=county.school, name=f"Guard {n}")
        DutyAssignmentFactory(shift=guard_shift, staff=staff, role=DutyRole.GUARD)

    # The officer checked in late (county); now also checked out.
    duty_check_out(assignment=county.assignment, actor=county.user, at=local(DAY, 7, 59))

    afternoon = DutyShiftFactory(term=county.term, post=spare, date=DAY, kind="dismissal",
                                 start=local(DAY, 16, 10), end=local(DAY, 16, 45))  # fmt: skip
    DutyAssignmentFactory(shift=afternoon, staff=police[0], role=DutyRole.POLICE)

    tomorrow = DAY + dt.timedelta(days=1)
    other_day = DutyShiftFactory(term=county.term, post=spare, date=tomorrow, start=local(tomorrow, 7, 20),
                                 end=local(tomorrow, 8, 0))  # fmt: skip
    DutyAssignmentFactory(shift=other_day, staff=police[1], role=DutyRole.POLICE)
    return county


def test_counts_equal_the_full_board_for_every_scope(busy_day):
    users = {
        "scheduler": make_user(Role.BRIGADE_SCHEDULER, username="planner"),
        "leader": make_user(Role.LEADERSHIP, username="leader"),
        "station officer": busy_day.user,
        "school guard": busy_day.guard_user,
        "school B staff": make_user(Role.SCHOOL_STAFF, school=busy_day.school_b, username="staff_b"),
    }
    for now in (NOW, local(DAY, 7, 22), local(DAY, 17, 0)):
        for who, user in users.items():
            board = selectors.board_for(
                user=user, date=DAY, station_id=selectors.board_station_default(user), now=now
            )  # fmt: skip
            assert _section_counts(duty_section(user=user, now=now)) == _board_counts(board), (who, now)


def test_the_busy_day_counts_what_it_says(busy_day):
    """The numbers themselves, so an equal mistake in the board and the counts cannot pass unseen."""
    counts = selectors.day_counts(user=make_user(Role.BRIGADE_SCHEDULER, username="planner"), date=DAY, now=NOW)
    # Places: post 1 (1), guard post (1), school B (2), spare post twice (4 + 4), guards post (1).
    # Uncovered: school B's auxiliary place; the spare post's volunteer in the morning (its two spare police
    # fill the auxiliary places), and in the afternoon (one police) its two auxiliary places and volunteer.
    # People: officer, guard, Zhao, three police, two guards, the afternoon police: 9.
    # Checked in: the officer (late, checked out since) and the guard. Missing: Zhao, the three police and
    # the two guards of the morning; the afternoon window has not started.
    assert counts == selectors.DayCounts(places=13, uncovered=5, people=9, checked_in=2, late=1, missing=6)


@pytest.mark.parametrize(
    ("requirements", "roles"),
    [
        ({"police": 1, "auxiliary": 1}, []),
        ({"police": 1, "auxiliary": 1}, ["police", "police"]),
        ({"police": 1, "auxiliary": 2}, ["police", "police"]),
        ({"police": 2, "auxiliary": 1}, ["police", "auxiliary", "auxiliary"]),
        ({"auxiliary": 2}, ["police", "police", "police"]),
        ({"guard": 2, "volunteer": 1}, ["guard", "guard", "guard", "police"]),
        ({"police": 1, "guard": 1}, ["auxiliary", "volunteer"]),
    ],
)
def test_places_count_follows_the_roster_rule(busy_day, requirements, roles):
    post = PostFactory(gate=busy_day.gate, requirements=requirements)
    day = DAY + dt.timedelta(days=3)
    shift = DutyShiftFactory(term=busy_day.term, post=post, date=day, start=local(day, 7, 20), end=local(day, 8, 0),
                             requirements=requirements)  # fmt: skip
    for n, role in enumerate(roles):
        DutyAssignmentFactory(shift=shift, staff=DutyStaffFactory(station=busy_day.station, name=f"S{n}"), role=role)
    expected = sum(missing_roles(requirements, list(DutyAssignment.objects.filter(shift=shift))).values())
    assert selectors.places_count(DutyShift.objects.filter(pk=shift.pk)) == (sum(requirements.values()), expected)


def test_query_count_is_fixed_and_does_not_grow_with_the_day(busy_day, django_assert_num_queries):
    make_user(Role.BRIGADE_SCHEDULER, username="planner")

    def fresh(username):  # as a request loads it: nothing cached on the instance
        return get_user_model().objects.get(username=username)

    def assert_queries():
        # scheduler: roles, own duty record, today's places, today's people, the broken duties to come, the
        # week's places, the term, next week's terms; the station officer: roles, own duty record (read once:
        # the board's station when the officer record has none, the own duties, the swap requests), officer
        # record (the scope), today's places and people, own duties with their check-ins, the swap requests
        # waiting for an answer.
        for username, count in (("planner", 8), (busy_day.user.username, 7)):
            user = fresh(username)
            with django_assert_num_queries(count):
                duty_section(user=user, now=NOW)

    assert_queries()
    for n in range(20):
        post = PostFactory(gate=busy_day.gate, requirements={"police": 1, "guard": 1})
        shift = DutyShiftFactory(term=busy_day.term, post=post, date=DAY, start=local(DAY, 7, 20), end=local(DAY, 8, 0))
        DutyAssignmentFactory(shift=shift, staff=DutyStaffFactory(station=busy_day.station, name=f"More {n}"))
    assert CheckIn.objects.count() == 2
    assert_queries()
