"""Writes of the people who stand posts and the time they cannot: duty staff and leave.

Police and auxiliary officers belong to a station (and, when linked, their officer's kind decides the
role); guards and volunteers belong to their school. Leave (or another duty) runs from an aware start to
a later end. Each write is keyword-only, atomic, audited and checks MANAGE_DUTY.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from campus.models import Officer
from common.audit import audit_record, save_audited, snapshot
from patrol.models import DutyRole, DutyStaff, Leave
from patrol.schedule.services.checks import ScheduleError, check_manage_duty

STAFF_FIELDS = (
    "role",
    "name",
    "phone",
    "officer",
    "station",
    "school",
    "user",
    "base_lat",
    "base_lon",
    "max_per_day",
    "max_per_week",
    "active",
    "is_sample",
)


def _check_staff(staff: DutyStaff) -> None:
    if not (staff.name or "").strip():
        raise ScheduleError(_("Give the person's name."), code="name_required")
    if staff.role not in DutyRole.values:
        raise ScheduleError(_("Role %(value)s does not exist.") % {"value": staff.role}, code="role_invalid")
    police = staff.role in (DutyRole.POLICE, DutyRole.AUXILIARY)
    if police:
        if staff.station_id is None:
            raise ScheduleError(
                _("%(name)s: police and auxiliary officers belong to a station; choose it.") % {"name": staff.name},
                code="station_required",
            )
        if staff.school_id is not None:
            raise ScheduleError(
                _("%(name)s: only guards and volunteers belong to a school.") % {"name": staff.name},
                code="school_not_allowed",
            )
    else:
        if staff.school_id is None:
            raise ScheduleError(
                _("%(name)s: guards and volunteers serve their own school; choose it.") % {"name": staff.name},
                code="school_required",
            )
        if staff.station_id is not None:
            raise ScheduleError(
                _("%(name)s: only police and auxiliary officers belong to a station.") % {"name": staff.name},
                code="station_not_allowed",
            )
    if staff.officer_id is not None:
        officer: Officer = staff.officer
        expected = DutyRole.POLICE if officer.kind == Officer.Kind.POLICE else DutyRole.AUXILIARY
        if staff.role != expected:
            raise ScheduleError(
                _("%(name)s: officer %(officer)s is a %(kind)s, so the role must be %(role)s.")
                % {"name": staff.name, "officer": officer, "kind": officer.get_kind_display(), "role": expected.label},
                code="role_mismatch",
            )
    if (staff.base_lat is None) != (staff.base_lon is None):
        raise ScheduleError(
            _("%(name)s: give both the base latitude and longitude, or neither.") % {"name": staff.name},
            code="base_incomplete",
        )


@transaction.atomic
def duty_staff_create(*, actor, **fields: Any) -> DutyStaff:
    check_manage_duty(actor)
    unknown = set(fields) - set(STAFF_FIELDS)
    if unknown:
        raise ScheduleError(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    staff = DutyStaff(**fields)
    staff.name = (staff.name or "").strip()
    _check_staff(staff)
    return save_audited(staff, actor=actor, action="duty_staff")


@transaction.atomic
def duty_staff_update(*, staff: DutyStaff, actor, **fields: Any) -> DutyStaff:
    check_manage_duty(actor)
    unknown = set(fields) - set(STAFF_FIELDS)
    if unknown:
        raise ScheduleError(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    staff = DutyStaff.objects.select_for_update().get(pk=staff.pk)
    for key, value in fields.items():
        setattr(staff, key, value)
    staff.name = (staff.name or "").strip()
    _check_staff(staff)
    staff = save_audited(staff, actor=actor, action="duty_staff")
    # Inactive, or moved to another station or school: their published duties still to come need cover.
    from patrol.duty.breaks import duty_breaks_for_staff

    staff.change_notes = duty_breaks_for_staff(staff=staff, actor=actor).note(
        _("%(name)s saved") % {"name": staff.name}
    )
    return staff


@transaction.atomic
def leave_create(
    *, staff: DutyStaff, start: dt.datetime, end: dt.datetime, actor, kind: str = Leave.Kind.LEAVE, reason: str = ""
) -> Leave:
    """Time ``staff`` cannot stand posts, from ``start`` to ``end`` (aware datetimes)."""
    check_manage_duty(actor)
    if start is None or end is None:
        raise ScheduleError(_("Give the start and the end of the leave."), code="leave_incomplete")
    if end <= start:
        raise ScheduleError(
            _("The leave of %(name)s ends at %(end)s, not after it starts at %(start)s.")
            % {"name": staff.name, "end": f"{end:%Y-%m-%d %H:%M}", "start": f"{start:%Y-%m-%d %H:%M}"},
            code="leave_ends_before_start",
        )
    if kind not in Leave.Kind.values:
        raise ScheduleError(_("Kind %(value)s: choose leave or other duty.") % {"value": kind}, code="leave_invalid")
    leave = Leave(staff=staff, start=start, end=end, kind=kind, reason=(reason or "").strip())
    leave = save_audited(leave, actor=actor, action="leave")
    from patrol.duty.breaks import duty_breaks_for_leave

    leave.change_notes = duty_breaks_for_leave(leave=leave, actor=actor).note(_("Leave added"))
    return leave


@transaction.atomic
def leave_delete(*, leave: Leave, actor) -> None:
    check_manage_duty(actor)
    audit_record(actor=actor, action="leave.delete", obj=leave, before=snapshot(leave))
    leave.delete()
