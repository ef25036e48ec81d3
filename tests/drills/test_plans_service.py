"""``plan_version_add`` and the plan board: versions only move forward, staff stay in their school."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from campus.models import LiaisonAssignment
from common.errors import NotAllowed
from common.models import AuditLogEntry
from common.roles import Role
from drills.files import UploadRefused
from drills.models import Attachment, DrillRule, EmergencyPlan, EmergencyPlanVersion
from drills.plans import services as plans
from tests.drills.factories import DrillRuleFactory, DrillTypeFactory, EmergencyPlanFactory, EmergencyPlanVersionFactory
from tests.factories import OfficerFactory, SchoolFactory, StationFactory, make_user, square


def make_world() -> SimpleNamespace:
    """Two schools of one station; school_a has a liaison officer (the officer user) and a staff user."""
    station = StationFactory(jurisdiction=square(36.18, 118.17, 0.2))
    school_a = SchoolFactory(lat=36.18, lon=118.17, name="School A")
    school_b = SchoolFactory(lat=36.19, lon=118.18, name="School B")
    officer = OfficerFactory(station=station, name="Officer Wang")
    LiaisonAssignment.objects.create(
        school=school_a, officer=officer, station_at_start=station, started_at=timezone.now()
    )
    return SimpleNamespace(
        station=station,
        school_a=school_a,
        school_b=school_b,
        officer=officer,
        fire=DrillTypeFactory(code="t-fire", name="Fire"),
        quake=DrillTypeFactory(code="t-quake", name="Earthquake"),
        admin=make_user(Role.BUREAU_ADMIN),
        scheduler=make_user(Role.BRIGADE_SCHEDULER),
        officer_user=make_user(Role.STATION_OFFICER, officer=officer),
        staff=make_user(Role.SCHOOL_STAFF, school=school_a),
        leader=make_user(Role.LEADERSHIP),
        pilot=make_user(Role.DRONE_OPERATOR),
    )


@pytest.fixture
def w(db) -> SimpleNamespace:
    return make_world()


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def add(w, *, actor=None, plan=None, school=None, scenario=None, **kwargs) -> EmergencyPlanVersion:
    values = {
        "version": 1,
        "effective_date": days(-10),
        "approved_by": "Principal Li",
        "approved_on": days(-10),
        "text": "Evacuate by the east stairs.",
        "change_note": "first",
    }
    values.update(kwargs)
    if plan is None:
        school = school or w.school_a
        scenario = scenario or w.fire
        values.setdefault("title", "Fire plan")
    return plans.plan_version_add(plan=plan, school=school, scenario=scenario, actor=actor or w.admin, **values)


def written() -> tuple[int, int, int]:
    return EmergencyPlan.objects.count(), EmergencyPlanVersion.objects.count(), Attachment.objects.count()


def test_first_version_creates_the_plan_with_a_review_a_year_after_approval(w):
    row = add(w, approved_on=dt.date(2026, 2, 10), effective_date=dt.date(2026, 3, 1))
    assert row.plan.school == w.school_a and row.plan.scenario == w.fire and row.plan.title == "Fire plan"
    assert row.review_due == dt.date(2027, 2, 10)
    assert row.uploaded_by == w.admin
    assert AuditLogEntry.objects.filter(action="emergency_plan.version_add", object_id=str(row.pk)).exists()


def test_review_due_after_29_february_is_28_february():
    assert plans.default_review_due(dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)


def test_next_version_goes_to_the_same_plan(w):
    first = add(w)
    second = add(w, version=2, approved_on=days(-1), effective_date=days(0), change_note="new stairs")
    assert second.plan == first.plan
    assert plans.plan_current(EmergencyPlan.objects.get()) == second
    assert EmergencyPlan.objects.count() == 1


@pytest.mark.parametrize(
    ("version", "approved", "effective", "words"),
    [
        (2, -2, -2, "Version 2 is not newer than the current one."),
        (3, -2, -2, "Version 3 is not newer than the current one."),
        (4, -5, -6, f"The effective date {days(-6).isoformat()} is before the current version's."),
        (4, -6, -4, f"The approval date {days(-6).isoformat()} is before the current version's."),
    ],
)
def test_a_version_older_than_the_current_one_is_refused_and_nothing_written(w, version, approved, effective, words):
    current = add(w, version=3, approved_on=days(-5), effective_date=days(-5))
    before = written()
    with pytest.raises(plans.PlanVersionOutdated) as caught:
        add(w, plan=current.plan, version=version, approved_on=days(approved), effective_date=days(effective))
    assert words in caught.value.message
    assert "The current version of “Fire plan” is version 3" in caught.value.message
    assert "numbered 4 or higher" in caught.value.message
    assert caught.value.code == "plan_version_outdated"
    assert written() == before


def test_approval_in_the_future_is_refused(w):
    with pytest.raises(ValidationError) as caught:
        add(w, approved_on=days(1), effective_date=days(2))
    assert f"The approval date {days(1).isoformat()} is in the future" in caught.value.message_dict["approved_on"][0]
    assert written() == (0, 0, 0)


def test_review_before_approval_is_refused(w):
    with pytest.raises(ValidationError) as caught:
        add(w, review_due=days(-20))
    assert "must be after the approval date" in caught.value.message_dict["review_due"][0]
    assert written() == (0, 0, 0)


def test_effective_before_approval_text_missing_and_no_approver_are_each_named(w):
    with pytest.raises(ValidationError) as caught:
        add(w, effective_date=days(-20), text="  ", approved_by="")
    errors = caught.value.message_dict
    assert "before it was approved" in errors["effective_date"][0]
    assert "text or upload its document" in errors["text"][0]
    assert "who approved" in errors["approved_by"][0]
    assert written() == (0, 0, 0)


def test_a_new_plan_needs_a_title(w):
    with pytest.raises(ValidationError) as caught:
        add(w, title="")
    assert "title" in caught.value.message_dict
    assert written() == (0, 0, 0)


def test_school_staff_upload_for_their_own_school(w):
    row = add(w, actor=w.staff)
    assert row.plan.school == w.school_a


def test_school_staff_touching_another_school_is_refused_and_nothing_written(w):
    with pytest.raises(NotAllowed) as caught:
        add(w, actor=w.staff, school=w.school_b)
    assert "School B is another school" in caught.value.message
    other = EmergencyPlanFactory(school=w.school_b, scenario=w.fire)
    EmergencyPlanVersionFactory(plan=other)
    before = written()
    with pytest.raises(NotAllowed):
        add(w, actor=w.staff, plan=other, version=2)
    assert written() == before
    assert not AuditLogEntry.objects.filter(action__startswith="emergency_plan").exists()


@pytest.mark.parametrize("who", ["officer_user", "leader", "pilot"])
def test_roles_without_record_drills_are_refused(w, who):
    with pytest.raises(NotAllowed):
        add(w, actor=getattr(w, who))
    assert written() == (0, 0, 0)


def test_a_document_is_stored_with_the_version(w):
    upload = SimpleUploadedFile("plan.txt", "一、组织机构\n二、处置流程\n".encode(), content_type="text/plain")
    row = add(w, text="", document=upload)
    attachment = row.attachments.get()
    assert attachment.kind == Attachment.Kind.DOCUMENT and attachment.name == "plan.txt"
    assert bytes(attachment.content).decode().startswith("一、组织机构")


def test_a_refused_document_is_named_and_nothing_written(w):
    upload = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00\x03binary", content_type="application/pdf")
    with pytest.raises(UploadRefused) as caught:
        add(w, document=upload)
    assert caught.value.message.startswith("plan.pdf:")
    assert written() == (0, 0, 0)


def test_board_flags_overdue_due_soon_and_missing_scenarios(w, settings):
    settings.DRILL_REMINDER_DAYS = 14
    DrillRule.objects.all().delete()  # only this test's rules
    bus = DrillTypeFactory(code="school_bus", name="School bus")
    DrillRuleFactory(drill_type=w.fire)
    DrillRuleFactory(drill_type=w.quake, levels=["primary"])
    DrillRuleFactory(drill_type=bus, school_bus=True)  # neither school runs a bus
    overdue = add(w, approved_on=days(-400), effective_date=days(-400))
    soon = add(w, school=w.school_b, approved_on=days(-360), effective_date=days(-360))
    board = plans.plan_board(user=w.admin)
    by_school = {entry.school: entry for entry in board.schools}
    assert [r.status for r in by_school[w.school_a].rows] == [plans.REVIEW_OVERDUE]
    assert [r.status for r in by_school[w.school_b].rows] == [plans.REVIEW_DUE_SOON]
    assert [r.plan for r in board.overdue] == [overdue.plan]
    assert [r.plan for r in board.due_soon] == [soon.plan]
    assert set(board.missing) == {(w.school_a, w.quake), (w.school_b, w.quake)}


def test_rule_attributes_decide_what_is_required(w):
    DrillRule.objects.all().delete()
    w.school_b.boarding = True
    w.school_b.school_bus = True
    w.school_b.save()
    night = DrillTypeFactory(code="night", name="Night evacuation")
    bus = DrillTypeFactory(code="bus", name="Bus")
    DrillRuleFactory(drill_type=night, boarding=True)
    DrillRuleFactory(drill_type=bus, school_bus=True, levels=["junior"])
    DrillRuleFactory(drill_type=w.fire, active=False)
    assert plans.required_scenarios(w.school_a) == []
    assert plans.required_scenarios(w.school_b) == [night]


def test_staff_see_only_their_own_schools_plans(w):
    add(w)
    add(w, school=w.school_b)
    assert {p.school for p in plans.plans_visible(w.staff)} == {w.school_a}
    assert [e.school for e in plans.plan_board(user=w.staff).schools] == [w.school_a]
    assert plans.plans_visible(w.pilot).count() == 0
    assert plans.plans_visible(w.leader).count() == 2


def test_the_system_may_add_versions_without_a_user(w):
    from common.roles import SYSTEM

    row = add(w, actor=SYSTEM)
    assert row.uploaded_by is None
    assert AuditLogEntry.objects.filter(action="emergency_plan.version_add", actor_name="system").exists()
