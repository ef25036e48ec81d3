"""Permission-matrix rows for the roster part of patrol (see ``tests.patrol.matrix``).

``build`` adds a term with shifts at school_a and school_b, a guard of school_a linked to the school
staff user, other police and guards, assignments, and two pending swap requests: one addressed to the
school staff user's guard, one made by them. (The station officer user's DutyStaff is made by
``matrix_day``; a user has at most one.)
"""

from __future__ import annotations

import datetime as dt

from common.roles import Role
from patrol.models import DutyRole, SwapRequest
from tests.factories import GateFactory
from tests.patrol.factories import (
    DutyAssignmentFactory,
    DutyShiftFactory,
    DutyStaffFactory,
    PostFactory,
    TermFactory,
    local,
)
from tests.permission_case import Case

MONDAY = dt.date(2030, 9, 2)

PAGE_VIEW = "302 200 200 200 200 403 200"  # VIEW_DUTY
PAGE_MANAGE = "302 302 302 403 403 403 403"  # MANAGE_DUTY, success redirects
API_VIEW = "401 200 200 200 200 403 200"


def _term(w):
    return {"term_id": w["roster_term"].pk}


def _pk(key):
    return lambda w: {"pk": w[key].pk}


CASES: list = [
    Case("patrol:roster-home", PAGE_VIEW),
    Case("patrol:roster-term", PAGE_VIEW, kwargs=_term),
    Case("patrol:roster-week", PAGE_VIEW, kwargs=_term),
    Case("patrol:roster-sheet", PAGE_VIEW, kwargs=_term),
    Case("patrol:roster-export", PAGE_VIEW, kwargs=_term),
    Case("patrol:roster-publish", PAGE_MANAGE, method="post", kwargs=_term),
    Case("patrol:roster-breaks", PAGE_VIEW, kwargs=_term),
    Case("patrol:roster-breaks", PAGE_MANAGE, method="post", kwargs=_term, label="re-plan just these"),
    Case("patrol:roster-shift", PAGE_VIEW, kwargs=lambda w: {"shift_id": w["roster_shift_a1"].pk}, label="own school"),
    Case(
        "patrol:roster-shift",
        "302 200 200 200 404 403 200",
        kwargs=lambda w: {"shift_id": w["roster_shift_b1"].pk},
        label="other school",
    ),
    Case(
        "patrol:roster-assignment-add",
        PAGE_MANAGE,
        method="post",
        kwargs=lambda w: {"shift_id": w["roster_shift_a2"].pk},
        data=lambda w: {"staff": w["roster_guard3"].pk, "role": "guard"},
    ),
    Case(
        "patrol:roster-assignment-remove",
        PAGE_MANAGE,
        method="post",
        kwargs=_pk("roster_assignment_b"),
        data=lambda w: {"reason": "matrix"},
    ),
    Case(
        "patrol:roster-assignment-replace",
        PAGE_MANAGE,
        method="post",
        kwargs=_pk("roster_assignment_b"),
        data=lambda w: {"staff": w["roster_police3"].pk},
    ),
    # Only the holder of the duty asks to swap it.
    Case(
        "patrol:roster-swap-create",
        "302 403 403 403 302 403 403",
        method="post",
        kwargs=_pk("roster_assignment_guard"),
        data=lambda w: {"to_staff": w["roster_guard3"].pk},
    ),
    Case("patrol:roster-mine", PAGE_VIEW),
    Case(
        "patrol:roster-person",
        "302 200 200 200 404 403 200",
        kwargs=lambda w: {"staff_id": w["roster_police2"].pk},
        label="police",
    ),
    Case(
        "patrol:roster-person",
        PAGE_VIEW,
        kwargs=lambda w: {"staff_id": w["roster_guard_staff"].pk},
        label="school staff's own",
    ),
    Case(
        "patrol:roster-calendar-token",
        "302 302 302 403 302 403 403",
        method="post",
        kwargs=lambda w: {"staff_id": w["roster_guard_staff"].pk},
    ),
    Case("patrol:roster-swaps", "302 200 200 200 200 403 403"),
    Case("patrol:roster-swap-accept", "302 302 302 404 302 403 403", method="post", kwargs=_pk("roster_swap_in")),
    Case("patrol:roster-swap-reject", "302 302 302 404 302 403 403", method="post", kwargs=_pk("roster_swap_in")),
    Case("patrol:roster-swap-cancel", "302 403 403 404 302 403 403", method="post", kwargs=_pk("roster_swap_out")),
    Case(
        "patrol:roster-calendar",
        "200 200 200 200 200 200 200",
        kwargs=lambda w: {"token": w["roster_guard_staff"].calendar_token},
    ),
    # API
    Case("patrol_api:roster-assignment-list", API_VIEW, kwargs=_term),
    Case(
        "patrol_api:roster-assignment-list",
        "401 201 201 403 403 403 403",
        method="post",
        json=True,
        label="add",
        kwargs=_term,
        data=lambda w: {"shift": w["roster_shift_a2"].pk, "staff": w["roster_guard3"].pk, "role": "guard"},
    ),
    Case("patrol_api:roster-publish", "401 200 200 403 403 403 403", method="post", json=True, kwargs=_term),
    Case("patrol_api:roster-break-list", API_VIEW, kwargs=_term),
    # nothing broken in the matrix's term: the brigade's re-plan is refused with no_breaks (400)
    Case("patrol_api:roster-breaks-replan", "401 400 400 403 403 403 403", method="post", json=True, kwargs=_term),
    Case(
        "patrol_api:roster-assignment-remove",
        "401 204 204 403 403 403 403",
        method="post",
        json=True,
        kwargs=_pk("roster_assignment_b"),
        data=lambda w: {"reason": "matrix"},
    ),
    Case(
        "patrol_api:roster-assignment-replace",
        "401 200 200 403 403 403 403",
        method="post",
        json=True,
        kwargs=_pk("roster_assignment_b"),
        data=lambda w: {"staff": w["roster_police3"].pk},
    ),
    Case("patrol_api:roster-swap-list", "401 200 200 200 200 403 403"),
    Case(
        "patrol_api:roster-swap-list",
        "401 403 403 403 201 403 403",
        method="post",
        json=True,
        label="ask",
        data=lambda w: {"assignment": w["roster_assignment_guard"].pk, "to_staff": w["roster_guard3"].pk},
    ),
    Case(
        "patrol_api:roster-swap-accept",
        "401 200 200 404 200 403 403",
        method="post",
        json=True,
        kwargs=_pk("roster_swap_in"),
    ),
    Case(
        "patrol_api:roster-swap-reject",
        "401 200 200 404 200 403 403",
        method="post",
        json=True,
        kwargs=_pk("roster_swap_in"),
    ),
    Case(
        "patrol_api:roster-swap-cancel",
        "401 403 403 404 200 403 403",
        method="post",
        json=True,
        kwargs=_pk("roster_swap_out"),
    ),
]


def build(world: dict) -> dict:
    station, school_a, school_b, users = world["station"], world["school_a"], world["school_b"], world["users"]
    term = TermFactory(school_year="2030-2031", start_date=MONDAY, end_date=dt.date(2031, 1, 17))
    post_a = PostFactory(gate=GateFactory(school=school_a, lat=school_a.lat, lon=school_a.lon),
                         requirements={"police": 1, "guard": 1})  # fmt: skip
    post_b = PostFactory(gate=GateFactory(school=school_b, lat=school_b.lat, lon=school_b.lon),
                         requirements={"police": 1})  # fmt: skip
    shift_a1 = DutyShiftFactory(term=term, post=post_a, date=MONDAY)
    shift_a2 = DutyShiftFactory(term=term, post=post_a, date=MONDAY + dt.timedelta(days=1))
    shift_b1 = DutyShiftFactory(
        term=term,
        post=post_b,
        date=MONDAY,
        kind="dismissal",
        start=local(MONDAY, 16, 0),
        end=local(MONDAY, 16, 40),
    )
    guard_staff = DutyStaffFactory(
        role=DutyRole.GUARD, station=None, school=school_a, user=users[Role.SCHOOL_STAFF], name="Guard staff"
    )
    guard2 = DutyStaffFactory(role=DutyRole.GUARD, station=None, school=school_a, name="Guard two")
    guard3 = DutyStaffFactory(role=DutyRole.GUARD, station=None, school=school_a, name="Guard three")
    police2 = DutyStaffFactory(role=DutyRole.POLICE, station=station, name="Police two")
    police3 = DutyStaffFactory(role=DutyRole.POLICE, station=station, name="Police three")
    DutyAssignmentFactory(shift=shift_a1, staff=police3, role="police")
    assignment_guard = DutyAssignmentFactory(shift=shift_a1, staff=guard_staff, role="guard")
    assignment_guard2 = DutyAssignmentFactory(shift=shift_a2, staff=guard2, role="guard")
    assignment_b = DutyAssignmentFactory(shift=shift_b1, staff=police2, role="police")
    swap_in = SwapRequest.objects.create(assignment=assignment_guard2, to_staff=guard_staff, reason="matrix")
    swap_out = SwapRequest.objects.create(
        assignment=assignment_guard, to_staff=guard2, requested_by=users[Role.SCHOOL_STAFF], reason="matrix"
    )
    return {
        "roster_term": term,
        "roster_shift_a1": shift_a1,
        "roster_shift_a2": shift_a2,
        "roster_shift_b1": shift_b1,
        "roster_guard_staff": guard_staff,
        "roster_guard2": guard2,
        "roster_police2": police2,
        "roster_police3": police3,
        "roster_guard3": guard3,
        "roster_assignment_guard": assignment_guard,
        "roster_assignment_b": assignment_b,
        "roster_swap_in": swap_in,
        "roster_swap_out": swap_out,
    }
