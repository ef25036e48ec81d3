"""The roster home's coverage per term is counted by the database and equals the Python count it replaced,
on a term with gaps, over-staffed roles, people in roles a post does not ask for, unpublished duties, another
term's shifts, and for every scope."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from common.roles import Role
from patrol.models import DutyAssignment, DutyRole, DutyShift
from patrol.roster.selectors import Coverage, shifts_visible, term_coverage
from tests.factories import make_user
from tests.patrol.factories import (
    DutyAssignmentFactory,
    DutyShiftFactory,
    DutyStaffFactory,
    PostFactory,
    TermFactory,
    local,
)
from tests.patrol.test_duty_helpers import DAY

pytestmark = pytest.mark.django_db


def python_coverage(term, *, user=None) -> Coverage:
    """``term_coverage`` as it was, row by row in Python: per shift and role, min(places, people)."""
    shifts = shifts_visible(user) if user is not None else DutyShift.objects.all()
    counts: dict[tuple[int, str], int] = defaultdict(int)
    cov = Coverage()
    for shift_id, role, published in DutyAssignment.objects.filter(shift__in=shifts.filter(term=term)).values_list(
        "shift_id", "role", "published"
    ):
        counts[(shift_id, role)] += 1
        cov.assignments += 1
        cov.unpublished += 0 if published else 1
    for shift_id, requirements in shifts.filter(term=term).values_list("id", "requirements"):
        cov.shifts += 1
        for role, need in (requirements or {}).items():
            cov.slots += int(need)
            cov.filled += min(int(need), counts.get((shift_id, role), 0))
    return cov


@pytest.fixture
def gaps(county):
    """``county`` (school A: a police post covered, a guard post covered; school B: police + auxiliary with
    one police; Wednesday's police post empty) plus: spare police on an auxiliary post, three guards on a
    one-guard post, a volunteer where no volunteer is asked for, a post asking for nobody of a role (0),
    unpublished duties, and another term's covered shift that must not count."""
    day = DAY + dt.timedelta(days=1)

    def shift(requirements):
        post = PostFactory(gate=county.gate, requirements=requirements)
        return DutyShiftFactory(term=county.term, post=post, date=day, start=local(day, 7, 20), end=local(day, 8, 0))

    def assign(on, role, n, *, published=True):
        for k in range(n):
            staff = DutyStaffFactory(
                role=role, station=county.station, school=county.school, name=f"{role} {on.pk} {k}"
            )
            DutyAssignmentFactory(shift=on, staff=staff, role=role, published=published)

    assign(shift({"police": 1, "auxiliary": 2}), DutyRole.POLICE, 3)  # two spare police: not auxiliary here
    assign(shift({"guard": 1}), DutyRole.GUARD, 3, published=False)
    assign(shift({"guard": 2, "volunteer": 0}), DutyRole.VOLUNTEER, 1)
    mixed = shift({"police": 2, "auxiliary": 1, "guard": 1, "volunteer": 2})
    assign(mixed, DutyRole.AUXILIARY, 2, published=False)
    assign(mixed, DutyRole.VOLUNTEER, 1)

    other_term = TermFactory(school_year="2027-2028")
    other = DutyShiftFactory(term=other_term, post=county.post, date=day, start=local(day, 7, 20),
                             end=local(day, 8, 0))  # fmt: skip
    assign(other, DutyRole.POLICE, 1)
    return county


def test_equals_the_python_count_for_every_scope(gaps):
    users = [
        None,
        make_user(Role.BRIGADE_SCHEDULER, username="planner"),
        gaps.user,  # a station officer: the county's registry
        gaps.guard_user,  # school A's staff
        make_user(Role.SCHOOL_STAFF, school=gaps.school_b, username="staff_b"),
        make_user(Role.PUBLICITY_OFFICER, username="press"),  # no school: nothing
    ]
    for user in users:
        assert term_coverage(gaps.term, user=user) == python_coverage(gaps.term, user=user), user


def test_the_numbers_themselves(gaps):
    """So that the same mistake in both counts cannot pass unseen."""
    cov = term_coverage(gaps.term)
    # Shifts: county's 4 and the 4 added. Places: 1 + 1 + 2 + 1 (Wednesday) + 3 + 1 + 2 + 6 = 17.
    # Filled: police, guard, Zhao (police of school B) + 1 police (its spare police are not auxiliary here)
    # + 1 guard (of three) + 0 (a volunteer nobody asked for) + 1 auxiliary (of two) + 1 volunteer = 7.
    # Assignments: 3 + 3 + 3 + 1 + 3 = 13; unpublished: the county's three (never published) and the three
    # guards and two auxiliaries added so.
    assert cov == Coverage(shifts=8, slots=17, filled=7, assignments=13, unpublished=8)
    assert cov.uncovered == 10
    school_b = term_coverage(gaps.term, user=make_user(Role.SCHOOL_STAFF, school=gaps.school_b, username="b"))
    assert school_b == Coverage(shifts=1, slots=2, filled=1, assignments=1, unpublished=1)


def test_an_empty_term_counts_zero(gaps):
    assert term_coverage(TermFactory(school_year="2031-2032")) == Coverage()


def test_two_queries_whatever_the_term_holds(gaps, django_assert_num_queries):
    user = make_user(Role.BRIGADE_SCHEDULER, username="planner")
    term_coverage(gaps.term, user=user)  # the user's roles, read once per request
    with django_assert_num_queries(2):
        term_coverage(gaps.term, user=user)
    for n in range(10):
        post = PostFactory(gate=gaps.gate, requirements={"police": 1, "guard": 1})
        DutyAssignmentFactory(shift=DutyShiftFactory(term=gaps.term, post=post), role=DutyRole.POLICE,
                              staff=DutyStaffFactory(station=gaps.station, name=f"More {n}"))  # fmt: skip
    with django_assert_num_queries(2):
        coverage = term_coverage(gaps.term, user=user)
    assert coverage == python_coverage(gaps.term, user=user) and coverage.shifts == 18
