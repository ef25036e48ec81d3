"""Manual roster edits, swap requests, publishing and calendar tokens (services)."""

from __future__ import annotations

import datetime as dt

import pytest

from common.errors import Conflict, DomainError, NotAllowed
from common.models import AuditLogEntry
from common.roles import Role
from patrol.models import DutyAssignment, DutyRole, Roster, SwapRequest
from patrol.roster import selectors, services
from patrol.roster.services import AssignmentConflict
from tests.factories import GateFactory, OfficerFactory, SchoolFactory, StationFactory, make_user, square
from tests.patrol.factories import (
    DutyAssignmentFactory,
    DutyShiftFactory,
    DutyStaffFactory,
    LeaveFactory,
    PostFactory,
    TermFactory,
    local,
)

MONDAY = dt.date(2030, 9, 2)


@pytest.fixture
def rw(db):
    """A small roster world: two schools of one station, overlapping Monday shifts, four people."""
    station = StationFactory(jurisdiction=square(36.18, 118.17, 0.2))
    school_a = SchoolFactory(name="Hope Primary", lat=36.18, lon=118.17)
    school_b = SchoolFactory(name="River Middle", lat=36.19, lon=118.18)
    term = TermFactory(school_year="2030-2031", start_date=MONDAY, end_date=dt.date(2031, 1, 17))
    post_a = PostFactory(gate=GateFactory(school=school_a, name="North gate", lat=36.18, lon=118.17),
                         name="Crossing", requirements={"police": 1, "guard": 1})  # fmt: skip
    post_b = PostFactory(gate=GateFactory(school=school_b, name="East gate", lat=36.19, lon=118.18),
                         name="Main", requirements={"police": 1})  # fmt: skip
    shift_a = DutyShiftFactory(term=term, post=post_a, date=MONDAY)  # 07:20-08:00
    shift_b = DutyShiftFactory(
        term=term, post=post_b, date=MONDAY, start=local(MONDAY, 7, 30), end=local(MONDAY, 8, 10)
    )
    tuesday = MONDAY + dt.timedelta(days=1)
    shift_a_tue = DutyShiftFactory(term=term, post=post_a, date=tuesday)
    officer = OfficerFactory(station=station)
    users = {
        "scheduler": make_user(Role.BRIGADE_SCHEDULER),
        "officer": make_user(Role.STATION_OFFICER, officer=officer),
        "staff": make_user(Role.SCHOOL_STAFF, school=school_a),
        "leader": make_user(Role.LEADERSHIP),
    }
    li = DutyStaffFactory(name="Li Wei", role=DutyRole.POLICE, station=station, user=users["officer"], officer=officer,
                          phone="13900000001")  # fmt: skip
    zhang = DutyStaffFactory(name="Zhang Min", role=DutyRole.POLICE, station=station)
    guard = DutyStaffFactory(name="Wang Fang", role=DutyRole.GUARD, station=None, school=school_a, user=users["staff"])
    guard2 = DutyStaffFactory(name="Chen Jing", role=DutyRole.GUARD, station=None, school=school_a)
    return {
        "station": station,
        "school_a": school_a,
        "school_b": school_b,
        "term": term,
        "shift_a": shift_a,
        "shift_b": shift_b,
        "shift_a_tue": shift_a_tue,
        "users": users,
        "li": li,
        "zhang": zhang,
        "guard": guard,
        "guard2": guard2,
    }


def _audits() -> int:
    return AuditLogEntry.objects.count()


# --- manual edits ------------------------------------------------------------------------------


def test_add_is_manual_pinned_unpublished_and_audited(rw):
    a = services.assignment_add(shift=rw["shift_a"], staff=rw["li"], role="police", actor=rw["users"]["scheduler"])
    assert (a.source, a.pinned, a.published) == ("manual", True, False)
    assert AuditLogEntry.objects.filter(action="patrol.assignment.create", object_id=str(a.pk)).exists()


def test_add_double_booking_is_refused_naming_the_other_shift(rw):
    DutyAssignmentFactory(shift=rw["shift_a"], staff=rw["li"], role="police")
    before, audits = DutyAssignment.objects.count(), _audits()
    with pytest.raises(AssignmentConflict) as err:
        services.assignment_add(shift=rw["shift_b"], staff=rw["li"], role="police", actor=rw["users"]["scheduler"])
    assert err.value.message == (
        "Li Wei is already on duty at Hope Primary, North gate (Crossing) 2030-09-02 07:20–08:00."
    )
    assert err.value.details[0]["code"] == "double_booked"
    assert err.value.details[0]["other_shift"] == rw["shift_a"].pk
    assert DutyAssignment.objects.count() == before
    assert _audits() == audits


def test_add_same_shift_twice_is_double_booking(rw):
    DutyAssignmentFactory(shift=rw["shift_a"], staff=rw["li"], role="police")
    with pytest.raises(AssignmentConflict, match="already on duty at Hope Primary"):
        services.assignment_add(shift=rw["shift_a"], staff=rw["li"], role="police", actor=rw["users"]["scheduler"])


def test_add_refuses_leave_role_and_school(rw):
    LeaveFactory(staff=rw["zhang"], start=local(MONDAY, 0), end=local(MONDAY, 23))
    with pytest.raises(AssignmentConflict, match="Zhang Min is on leave from 2030-09-02 00:00"):
        services.assignment_add(shift=rw["shift_a"], staff=rw["zhang"], role="police", actor=rw["users"]["scheduler"])
    with pytest.raises(AssignmentConflict, match="may not fill a Police officer slot"):
        services.assignment_add(shift=rw["shift_a"], staff=rw["guard"], role="police", actor=rw["users"]["scheduler"])
    with pytest.raises(AssignmentConflict, match="serves another school"):
        services.assignment_add(shift=rw["shift_b"], staff=rw["guard"], role="guard", actor=rw["users"]["scheduler"])
    assert DutyAssignment.objects.count() == 0


def test_only_managers_edit(rw):
    with pytest.raises(NotAllowed):
        services.assignment_add(shift=rw["shift_a"], staff=rw["li"], role="police", actor=rw["users"]["officer"])
    assert DutyAssignment.objects.count() == 0


def test_replace_checks_the_new_person(rw):
    DutyAssignmentFactory(shift=rw["shift_a"], staff=rw["li"], role="police")
    on_b = DutyAssignmentFactory(shift=rw["shift_b"], staff=rw["zhang"], role="police", published=True)
    with pytest.raises(AssignmentConflict, match="Li Wei is already on duty at Hope Primary"):
        services.assignment_replace(assignment=on_b, staff=rw["li"], actor=rw["users"]["scheduler"])
    on_b.refresh_from_db()
    assert (on_b.staff_id, on_b.source, on_b.published) == (rw["zhang"].pk, "solver", True)

    on_a_tue = DutyAssignmentFactory(shift=rw["shift_a_tue"], staff=rw["zhang"], role="police", published=True)
    replaced = services.assignment_replace(assignment=on_a_tue, staff=rw["li"], actor=rw["users"]["scheduler"])
    assert (replaced.pk, replaced.staff_id, replaced.source, replaced.pinned, replaced.published) == (
        on_a_tue.pk,
        rw["li"].pk,
        "manual",
        True,
        False,
    )


def test_remove_needs_a_reason_and_is_audited(rw):
    a = DutyAssignmentFactory(shift=rw["shift_a"], staff=rw["li"], role="police")
    with pytest.raises(DomainError, match="Give a reason"):
        services.assignment_remove(assignment=a, actor=rw["users"]["scheduler"], reason=" ")
    assert DutyAssignment.objects.filter(pk=a.pk).exists()
    services.assignment_remove(assignment=a, actor=rw["users"]["scheduler"], reason="sick")
    assert not DutyAssignment.objects.filter(pk=a.pk).exists()
    entry = AuditLogEntry.objects.get(action="patrol.assignment.remove")
    assert entry.before["term"] == rw["term"].pk and entry.reason == "sick"


# --- publish -----------------------------------------------------------------------------------


def test_publish_then_edit_then_republish(rw):
    scheduler = rw["users"]["scheduler"]
    first = DutyAssignmentFactory(shift=rw["shift_a"], staff=rw["li"], role="police")
    DutyAssignmentFactory(shift=rw["shift_a"], staff=rw["guard"], role="guard")
    roster = services.roster_publish(term=rw["term"], actor=scheduler)
    assert (roster.status, roster.version, roster.published_by) == ("published", 1, scheduler)
    assert roster.published_at is not None
    assert set(DutyAssignment.objects.values_list("published", "pinned")) == {(True, True)}
    assert AuditLogEntry.objects.filter(action="patrol.roster.publish").count() == 1

    services.assignment_add(shift=rw["shift_a_tue"], staff=rw["li"], role="police", actor=scheduler)
    services.assignment_remove(assignment=first, actor=scheduler, reason="moved")
    coverage = selectors.term_coverage(rw["term"])
    assert coverage.unpublished == 1
    assert selectors.removals_since_publish(Roster.objects.get(term=rw["term"])) == 1

    roster = services.roster_publish(term=rw["term"], actor=scheduler)
    assert roster.version == 2
    assert selectors.term_coverage(rw["term"]).unpublished == 0
    assert selectors.removals_since_publish(roster) == 0


def test_publish_an_empty_roster_is_refused(rw):
    with pytest.raises(DomainError, match="has no assignments to publish"):
        services.roster_publish(term=rw["term"], actor=rw["users"]["scheduler"])
    assert not Roster.objects.filter(term=rw["term"], status="published").exists()


def test_publish_needs_manage_duty(rw):
    DutyAssignmentFactory(shift=rw["shift_a"], staff=rw["li"], role="police")
    with pytest.raises(NotAllowed):
        services.roster_publish(term=rw["term"], actor=rw["users"]["leader"])
    assert not DutyAssignment.objects.filter(published=True).exists()


# --- swaps -------------------------------------------------------------------------------------


def test_swap_asked_and_accepted_by_the_scheduler(rw):
    mine = DutyAssignmentFactory(shift=rw["shift_a"], staff=rw["li"], role="police", published=True)
    swap = services.swap_request_create(
        assignment=mine, to_staff=rw["zhang"], reason="training", actor=rw["users"]["officer"]
    )
    assert swap.status == "pending" and swap.requested_by == rw["users"]["officer"]
    assert list(selectors.swap_requests_pending()) == [swap]
    swap = services.swap_request_accept(swap=swap, actor=rw["users"]["scheduler"])
    mine.refresh_from_db()
    assert swap.status == "accepted" and swap.decided_by == rw["users"]["scheduler"]
    assert (mine.staff_id, mine.source, mine.pinned) == (rw["zhang"].pk, "swap", True)


def test_swap_in_return_trades_both_duties(rw):
    mine = DutyAssignmentFactory(shift=rw["shift_a"], staff=rw["guard"], role="guard")
    theirs = DutyAssignmentFactory(shift=rw["shift_a_tue"], staff=rw["guard2"], role="guard")
    swap = services.swap_request_create(
        assignment=mine, to_staff=rw["guard2"], in_return=theirs, actor=rw["users"]["staff"]
    )
    services.swap_request_accept(swap=swap, actor=rw["users"]["scheduler"])
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.staff_id, theirs.staff_id) == (rw["guard2"].pk, rw["guard"].pk)
    assert mine.source == theirs.source == "swap"


def test_swap_of_someone_elses_duty_is_refused(rw):
    zhangs = DutyAssignmentFactory(shift=rw["shift_a"], staff=rw["zhang"], role="police")
    with pytest.raises(NotAllowed) as err:
        services.swap_request_create(assignment=zhangs, to_staff=rw["li"], actor=rw["users"]["officer"])
    assert "You can only ask to swap your own duties" in err.value.message
    assert "Zhang Min" in err.value.message
    assert SwapRequest.objects.count() == 0


def test_swap_in_return_must_be_the_other_persons(rw):
    mine = DutyAssignmentFactory(shift=rw["shift_a"], staff=rw["guard"], role="guard")
    mine_too = DutyAssignmentFactory(shift=rw["shift_a_tue"], staff=rw["guard"], role="guard")
    with pytest.raises(DomainError, match="must be one of Chen Jing's duties"):
        services.swap_request_create(
            assignment=mine, to_staff=rw["guard2"], in_return=mine_too, actor=rw["users"]["staff"]
        )
    assert SwapRequest.objects.count() == 0


def test_accepting_a_swap_that_would_double_book_is_refused(rw):
    mine = DutyAssignmentFactory(shift=rw["shift_a"], staff=rw["li"], role="police")
    swap = services.swap_request_create(assignment=mine, to_staff=rw["zhang"], actor=rw["users"]["officer"])
    # Meanwhile Zhang is put on the overlapping shift at the other school.
    DutyAssignmentFactory(shift=rw["shift_b"], staff=rw["zhang"], role="police")
    audits = _audits()
    with pytest.raises(AssignmentConflict) as err:
        services.swap_request_accept(swap=swap, actor=rw["users"]["scheduler"])
    assert err.value.message == (
        "Zhang Min is already on duty at River Middle, East gate (Main) 2030-09-02 07:30–08:10."
    )
    mine.refresh_from_db()
    swap.refresh_from_db()
    assert mine.staff_id == rw["li"].pk and mine.source == "solver"
    assert swap.status == "pending"
    assert _audits() == audits


def test_asking_someone_who_cannot_take_it_is_refused_at_once(rw):
    DutyAssignmentFactory(shift=rw["shift_b"], staff=rw["zhang"], role="police")
    mine = DutyAssignmentFactory(shift=rw["shift_a"], staff=rw["li"], role="police")
    with pytest.raises(AssignmentConflict, match="Zhang Min is already on duty at River Middle"):
        services.swap_request_create(assignment=mine, to_staff=rw["zhang"], actor=rw["users"]["officer"])
    assert SwapRequest.objects.count() == 0


def test_reject_cancel_and_who_may(rw):
    mine = DutyAssignmentFactory(shift=rw["shift_a"], staff=rw["guard"], role="guard")
    swap = services.swap_request_create(assignment=mine, to_staff=rw["guard2"], actor=rw["users"]["staff"])
    with pytest.raises(NotAllowed):
        services.swap_request_accept(swap=swap, actor=rw["users"]["officer"])
    with pytest.raises(NotAllowed, match="Only the person who asked"):
        services.swap_request_cancel(swap=swap, actor=rw["users"]["scheduler"])
    swap = services.swap_request_cancel(swap=swap, actor=rw["users"]["staff"])
    assert swap.status == "cancelled"
    with pytest.raises(Conflict, match="already cancelled"):
        services.swap_request_accept(swap=swap, actor=rw["users"]["scheduler"])

    mine2 = DutyAssignmentFactory(shift=rw["shift_a"], staff=rw["li"], role="police")
    asked_of_li = SwapRequest.objects.create(assignment=mine2, to_staff=rw["zhang"], requested_by=rw["users"]["staff"])
    # Li holds the duty; only Zhang or the brigade decides. Here the brigade rejects.
    rejected = services.swap_request_reject(swap=asked_of_li, actor=rw["users"]["scheduler"], reason="no")
    assert rejected.status == "rejected"
    mine.refresh_from_db()
    assert mine.staff_id == rw["guard"].pk


def test_the_person_asked_may_accept(rw):
    zhangs = DutyAssignmentFactory(shift=rw["shift_a_tue"], staff=rw["zhang"], role="police")
    swap = SwapRequest.objects.create(assignment=zhangs, to_staff=rw["li"], requested_by=None)
    assert list(selectors.swap_requests_for_me(rw["users"]["officer"])) == [swap]
    services.swap_request_accept(swap=swap, actor=rw["users"]["officer"])
    zhangs.refresh_from_db()
    assert zhangs.staff_id == rw["li"].pk


# --- calendar token ----------------------------------------------------------------------------


def test_calendar_token_regenerate(rw):
    old = rw["li"].calendar_token
    services.calendar_token_regenerate(staff=rw["li"], actor=rw["users"]["officer"])
    rw["li"].refresh_from_db()
    assert rw["li"].calendar_token != old
    entry = AuditLogEntry.objects.get(action="patrol.staff.calendar_token")
    assert rw["li"].calendar_token not in str(entry.before) + str(entry.after)
    with pytest.raises(NotAllowed):
        services.calendar_token_regenerate(staff=rw["li"], actor=rw["users"]["staff"])
