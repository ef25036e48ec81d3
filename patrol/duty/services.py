"""Writes on the day of duty: check-in, check-out, and the school guards' pre-dismissal patrol.

Each operation is split into a ``check_*`` that validates everything and raises a clear error, and
the service that writes (audited) and publishes a board event after commit.
"""

from __future__ import annotations

import datetime as dt
import math

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campus.scope import scope_of
from common.audit import audit_record, save_audited, snapshot
from common.errors import Conflict, DomainError, NotAllowed
from common.geo import haversine_m
from common.roles import Capability, can
from patrol.duty.events import board_publish_on_commit
from patrol.duty.selectors import CHECKIN_OPENS_MIN, Equipment, grace
from patrol.models import CheckIn, DutyAssignment, DutyRole, DutyShift, DutyStaff, GuardPatrol, WindowKind

REASON_MAX = 200


def _hm(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%H:%M")


def _position(lat: float | None, lon: float | None, accuracy_m: float | None) -> tuple[float, float] | None:
    """The WGS-84 position as floats, None when none was given; a half or impossible position is an error."""
    if lat in (None, "") and lon in (None, ""):
        return None
    if lat in (None, "") or lon in (None, ""):
        raise DomainError(_("Latitude and longitude must be given together."), code="bad_position")
    try:
        flat, flon = float(lat), float(lon)
    except (TypeError, ValueError):
        raise DomainError(_("The position is not a number."), code="bad_position") from None
    if not (math.isfinite(flat) and -90.0 <= flat <= 90.0):
        raise DomainError(_("Latitude %(lat)s is out of range (-90..90).") % {"lat": lat}, code="bad_position")
    if not (math.isfinite(flon) and -180.0 <= flon <= 180.0):
        raise DomainError(_("Longitude %(lon)s is out of range (-180..180).") % {"lon": lon}, code="bad_position")
    if accuracy_m is not None and (not math.isfinite(float(accuracy_m)) or float(accuracy_m) < 0):
        raise DomainError(_("The position accuracy must be a positive number of metres."), code="bad_position")
    return flat, flon


def check_own_duty(*, assignment: DutyAssignment, actor) -> None:
    """Only the person on the duty acts on it (DutyStaff.user == actor), and only with STAND_DUTY."""
    if not can(actor, Capability.STAND_DUTY):
        raise NotAllowed(_("Your role may not stand duties."))
    if assignment.staff.user_id is None or assignment.staff.user_id != getattr(actor, "pk", None):
        raise NotAllowed(
            _("This duty belongs to %(name)s; you may check in and out of your own duties only.")
            % {"name": assignment.staff.name}
        )


def _distance_check(*, shift: DutyShift, position: tuple[float, float] | None, reason: str, what: str) -> float | None:
    """Distance to the gate in metres; a reason is required when away from it or when the position is unknown."""
    gate = shift.post.gate
    if position is None:
        if not reason:
            raise DomainError(
                _("Your position is unknown (location turned off or refused); give a reason to %(what)s without it.")
                % {"what": what},
                code="position_required",
            )
        return None
    distance_m = haversine_m(position[0], position[1], gate.lat, gate.lon)
    radius = shift.post.checkin_radius_m
    if distance_m > radius and not reason:
        raise DomainError(
            _(
                "You are %(distance)d m from %(gate)s; the check-in radius is %(radius)d m. "
                "Go to the gate or give a reason to %(what)s from here."
            )
            % {"distance": round(distance_m), "gate": gate, "radius": radius, "what": what},
            code="too_far",
        )
    return distance_m


def check_check_in(
    *,
    assignment: DutyAssignment,
    actor,
    lat: float | None,
    lon: float | None,
    accuracy_m: float | None,
    reason: str,
    at: dt.datetime,
) -> float | None:
    """Validate a check-in; returns the distance to the gate in metres (None without a position)."""
    check_own_duty(assignment=assignment, actor=actor)
    position = _position(lat, lon, accuracy_m)
    shift = assignment.shift
    if CheckIn.objects.filter(assignment=assignment).exists():
        raise Conflict(_("You have already checked in to this duty."), code="already_checked_in")
    opens = shift.start - dt.timedelta(minutes=CHECKIN_OPENS_MIN)
    if at < opens:
        raise DomainError(
            _("Check-in for %(shift)s opens at %(opens)s, %(minutes)d minutes before the window starts.")
            % {"shift": shift, "opens": _hm(opens), "minutes": CHECKIN_OPENS_MIN},
            code="too_early",
        )
    if at >= shift.end:
        raise DomainError(
            _("The window of %(shift)s ended at %(end)s; it is too late to check in.")
            % {"shift": shift, "end": _hm(shift.end)},
            code="window_over",
        )
    if len(reason) > REASON_MAX:
        raise DomainError(_("The reason is longer than %(max)d characters.") % {"max": REASON_MAX}, code="invalid")
    return _distance_check(shift=shift, position=position, reason=reason, what=_("check in"))


@transaction.atomic
def duty_check_in(
    *,
    assignment: DutyAssignment,
    actor,
    lat: float | None,
    lon: float | None,
    accuracy_m: float | None = None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> CheckIn:
    """Check in to one's own duty at ``at`` (default now) from a WGS-84 position.

    Late when after the window's start plus ``PATROL_LATE_GRACE_MIN``.
    """
    at = at or timezone.now()
    reason = (reason or "").strip()
    assignment = (
        DutyAssignment.objects.select_for_update(of=("self",))
        .select_related("shift__post__gate", "staff")
        .get(pk=assignment.pk)
    )
    distance_m = check_check_in(
        assignment=assignment, actor=actor, lat=lat, lon=lon, accuracy_m=accuracy_m, reason=reason, at=at
    )
    has_position = lat not in (None, "")
    checkin = CheckIn(
        assignment=assignment,
        checked_in_at=at,
        in_lat=float(lat) if has_position else None,
        in_lon=float(lon) if has_position else None,
        in_accuracy_m=float(accuracy_m) if accuracy_m not in (None, "") else None,
        in_distance_m=distance_m,
        in_reason=reason,
        late=at > assignment.shift.start + grace(),
        checked_in_by=actor,
    )
    save_audited(checkin, actor=actor, action="duty.checkin", reason=reason)
    board_publish_on_commit(assignment.shift_id)
    return checkin


def check_check_out(
    *, assignment: DutyAssignment, actor, lat: float | None, lon: float | None, reason: str, at: dt.datetime
) -> tuple[CheckIn, float | None]:
    check_own_duty(assignment=assignment, actor=actor)
    checkin = CheckIn.objects.filter(assignment=assignment).first()
    if checkin is None:
        raise DomainError(_("You have not checked in to this duty, so you cannot check out."), code="not_checked_in")
    if checkin.checked_out_at is not None:
        raise Conflict(
            _("You already checked out at %(time)s.") % {"time": _hm(checkin.checked_out_at)},
            code="already_checked_out",
        )
    if at < checkin.checked_in_at:
        raise DomainError(
            _("Check-out at %(out)s would be before the check-in at %(in)s.")
            % {"out": _hm(at), "in": _hm(checkin.checked_in_at)},
            code="invalid",
        )
    if len(reason) > REASON_MAX:
        raise DomainError(_("The reason is longer than %(max)d characters.") % {"max": REASON_MAX}, code="invalid")
    position = _position(lat, lon, None)
    if position is None:
        return checkin, None  # leaving needs no position: the phone may have lost it
    return checkin, _distance_check(shift=assignment.shift, position=position, reason=reason, what=_("check out"))


@transaction.atomic
def duty_check_out(
    *,
    assignment: DutyAssignment,
    actor,
    lat: float | None = None,
    lon: float | None = None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> CheckIn:
    """Check out of one's own duty; ``early`` when before the window's end."""
    at = at or timezone.now()
    reason = (reason or "").strip()
    assignment = (
        DutyAssignment.objects.select_for_update(of=("self",))
        .select_related("shift__post__gate", "staff")
        .get(pk=assignment.pk)
    )
    checkin, distance_m = check_check_out(assignment=assignment, actor=actor, lat=lat, lon=lon, reason=reason, at=at)
    has_position = lat not in (None, "")
    checkin.checked_out_at = at
    checkin.out_lat = float(lat) if has_position else None
    checkin.out_lon = float(lon) if has_position else None
    checkin.out_distance_m = distance_m
    checkin.out_reason = reason
    checkin.early = at < assignment.shift.end
    # Not save_audited: "checked in by" may be empty (the account was deleted) and must not block leaving.
    before = snapshot(CheckIn.objects.get(pk=checkin.pk))
    checkin.full_clean(exclude=["checked_in_by"])
    checkin.save()
    audit_record(
        actor=actor, action="duty.checkout", obj=checkin, before=before, after=snapshot(checkin), reason=reason
    )
    board_publish_on_commit(assignment.shift_id)
    return checkin


# --- the pre-dismissal patrol ------------------------------------------------------------------


def check_patrol_recorder(*, shift: DutyShift, actor, staff: DutyStaff | None) -> DutyStaff:
    """Who may record the patrol: a guard on this dismissal shift (for themselves) or the school's safety staff.

    Returns the guard the patrol is recorded for.
    """
    school = shift.post.gate.school
    if shift.kind != WindowKind.DISMISSAL:
        raise DomainError(
            _("%(shift)s is not a dismissal window; the guards patrol before dismissal only.") % {"shift": shift},
            code="not_dismissal",
        )
    if not can(actor, Capability.STAND_DUTY):
        raise NotAllowed(_("Your role may not record patrols."))
    guards = DutyStaff.objects.filter(assignments__shift=shift, role=DutyRole.GUARD)
    is_school_staff = school.pk in scope_of(actor).school_ids
    own = guards.filter(user=actor).first() if getattr(actor, "pk", None) else None
    if own is None and not is_school_staff:
        raise NotAllowed(
            _("Only the guards on this dismissal shift or the safety staff of %(school)s may record its patrol.")
            % {"school": school}
        )
    if staff is None:
        staff = own or guards.first()
        if staff is None:
            staff = DutyStaff.objects.filter(school=school, role=DutyRole.GUARD, active=True).first()
        if staff is None:
            raise DomainError(_("%(school)s has no school guard to record.") % {"school": school}, code="no_guard")
    elif own is not None and staff.pk != own.pk and not is_school_staff:
        raise NotAllowed(_("You may record your own patrol only."))
    if staff.role != DutyRole.GUARD or staff.school_id != school.pk:
        raise DomainError(
            _("%(name)s is not a school guard of %(school)s.") % {"name": staff.name, "school": school},
            code="not_guard",
        )
    return staff


@transaction.atomic
def guard_patrol_record(
    *,
    shift: DutyShift,
    actor,
    started_at: dt.datetime,
    ended_at: dt.datetime | None = None,
    equipment: list[str],
    area_cleared: bool,
    notes: str = "",
    staff: DutyStaff | None = None,
) -> GuardPatrol:
    """Record the school guards' patrol of the gate area before dismissal, with the equipment carried."""
    shift = DutyShift.objects.select_related("post__gate__school").get(pk=shift.pk)
    staff = check_patrol_recorder(shift=shift, actor=actor, staff=staff)
    unknown = [item for item in equipment if item not in Equipment.values]
    if unknown:
        raise DomainError(
            _("Unknown equipment: %(items)s.") % {"items": ", ".join(map(str, unknown))}, code="bad_equipment"
        )
    if ended_at is not None and ended_at < started_at:
        raise DomainError(
            _("The patrol ends at %(end)s, before it starts at %(start)s.")
            % {"end": _hm(ended_at), "start": _hm(started_at)},
            code="invalid",
        )
    earliest = shift.start - dt.timedelta(hours=2)
    if started_at < earliest or started_at > shift.end:
        raise DomainError(
            _("A patrol for %(shift)s starts between %(from)s and %(to)s; %(start)s is outside that.")
            % {"shift": shift, "from": _hm(earliest), "to": _hm(shift.end), "start": _hm(started_at)},
            code="invalid",
        )
    patrol = GuardPatrol(
        shift=shift,
        staff=staff,
        started_at=started_at,
        ended_at=ended_at,
        equipment=[item for item in Equipment.values if item in equipment],
        area_cleared=area_cleared,
        notes=(notes or "").strip(),
        recorded_by=actor,
    )
    save_audited(patrol, actor=actor, action="duty.guard_patrol")
    board_publish_on_commit(shift.id)
    return patrol
