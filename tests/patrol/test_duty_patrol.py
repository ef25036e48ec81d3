"""The school guards' pre-dismissal patrol: who may record it, the equipment checklist, the phone form."""

from __future__ import annotations

import pytest

from common.errors import DomainError, NotAllowed
from common.models import AuditLogEntry
from common.roles import Role
from patrol.duty.services import guard_patrol_record
from patrol.models import GuardPatrol
from tests.factories import make_user
from tests.patrol.factories import local
from tests.patrol.test_duty_helpers import DAY, build_day, dismissal_shift

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return build_day()


def _nothing_written():
    assert GuardPatrol.objects.count() == 0
    assert not AuditLogEntry.objects.filter(action__startswith="duty.guard_patrol").exists()


def test_guard_records_own_patrol_with_equipment(day):
    guard_user = make_user(Role.SCHOOL_STAFF, username="guard_user")
    shift, guard = dismissal_shift(day, guard_user=guard_user)
    patrol = guard_patrol_record(
        shift=shift, actor=guard_user, started_at=local(DAY, 15, 50), ended_at=local(DAY, 16, 10),
        equipment=["rubber_baton", "steel_fork", "stab_vest", "helmet", "shield"], area_cleared=True, notes="All clear",
    )  # fmt: skip
    assert patrol.staff == guard and patrol.recorded_by == guard_user
    assert patrol.equipment == ["steel_fork", "rubber_baton", "stab_vest", "helmet", "shield"]
    assert AuditLogEntry.objects.filter(action="duty.guard_patrol.create").count() == 1


def test_officer_not_on_the_shift_may_not_record(day):
    shift, _guard = dismissal_shift(day)
    with pytest.raises(NotAllowed, match="Only the guards on this dismissal shift or the safety staff of"):
        guard_patrol_record(shift=shift, actor=day.user, started_at=local(DAY, 15, 50), equipment=[], area_cleared=True)
    _nothing_written()


def test_staff_of_another_school_may_not_record(day):
    shift, _guard = dismissal_shift(day)
    staff_b = make_user(Role.SCHOOL_STAFF, school=day.other_school, username="staff_b")
    with pytest.raises(NotAllowed):
        guard_patrol_record(shift=shift, actor=staff_b, started_at=local(DAY, 15, 50), equipment=[], area_cleared=True)
    _nothing_written()


def test_patrol_refused_on_arrival_shift_and_bad_input(day):
    staff_a = make_user(Role.SCHOOL_STAFF, school=day.school, username="staff_a")
    with pytest.raises(DomainError, match="not a dismissal window"):
        guard_patrol_record(
            shift=day.shift, actor=staff_a, started_at=local(DAY, 7, 0), equipment=[], area_cleared=True
        )
    shift, _guard = dismissal_shift(day)
    with pytest.raises(DomainError, match="Unknown equipment: knife"):
        guard_patrol_record(
            shift=shift, actor=staff_a, started_at=local(DAY, 15, 50), equipment=["knife"], area_cleared=True
        )
    with pytest.raises(DomainError, match="ends at 15:40, before it starts at 15:50"):
        guard_patrol_record(
            shift=shift, actor=staff_a, started_at=local(DAY, 15, 50), ended_at=local(DAY, 15, 40), equipment=[],
            area_cleared=True,
        )  # fmt: skip
    with pytest.raises(DomainError, match="is outside that"):
        guard_patrol_record(shift=shift, actor=staff_a, started_at=local(DAY, 9, 0), equipment=[], area_cleared=True)
    _nothing_written()


def test_phone_form_records_the_patrol_and_lists_missing_equipment(client, day):
    staff_a = make_user(Role.SCHOOL_STAFF, school=day.school, username="staff_a")
    shift, guard = dismissal_shift(day)
    client.force_login(staff_a)
    page = client.get(f"/patrol/duty/today/?date={DAY}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"/patrol/duty/shifts/{shift.pk}/patrol/" in page and "Steel restraining fork" in page
    response = client.post(
        f"/patrol/duty/shifts/{shift.pk}/patrol/",
        {"started_at": "15:50", "ended_at": "16:08", "equipment": ["steel_fork", "rubber_baton"], "area_cleared": "on"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    text = response.content.decode()
    assert "Patrol recorded" in text and "Not carried: Stab-proof vest, Helmet, Shield" in text
    patrol = GuardPatrol.objects.get()
    assert patrol.staff == guard and patrol.area_cleared and patrol.started_at == local(DAY, 15, 50)
    assert patrol.ended_at == local(DAY, 16, 8)


def test_phone_form_with_bad_time_names_the_field(client, day):
    staff_a = make_user(Role.SCHOOL_STAFF, school=day.school, username="staff_a")
    shift, _guard = dismissal_shift(day)
    client.force_login(staff_a)
    response = client.post(
        f"/patrol/duty/shifts/{shift.pk}/patrol/",
        {"started_at": "25:99", "equipment": ["steel_fork"]},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "Patrol not recorded: Started at:" in response.content.decode()
    _nothing_written()
