"""Writes for the 护学岗 set-up: terms, calendar overrides, closures, bells, window rules, posts, staff, leave.

Every service is keyword-only, atomic and audited, and checks MANAGE_DUTY. Bad input raises
``ScheduleError`` whose message names what is wrong and where (field, row, date); nothing is written then.
Shift building lives in ``patrol.schedule.shifts`` (``duty_shifts_build``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import transaction
from django.utils.dateparse import parse_time
from django.utils.translation import gettext as _

from campus.calendar.days import base_is_workday
from campus.models import CalendarOverride, Gate, Officer, School, SchoolClosure, Term
from common.audit import audit_record, save_audited, snapshot
from common.errors import Conflict, DomainError, NotAllowed
from common.roles import Capability, can
from patrol.models import BellSchedule, BellTime, DutyRole, DutyStaff, Leave, Post, WindowKind, WindowRule
from patrol.schedule.windows import DEFAULT_OFFSETS, KIND_ORDER, county_offsets, crosses_midnight, school_offsets


class ScheduleError(DomainError):
    code = "schedule_invalid"


def check_manage_duty(actor) -> None:
    if not can(actor, Capability.MANAGE_DUTY):
        raise NotAllowed(_("You may not change the duty schedule."))


def parse_date(value: Any, *, field: str) -> dt.date:
    """A real calendar date from a date or an ISO string; '2026-02-30' is refused naming the field."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ScheduleError(
            _("%(field)s: %(value)s is not a real date (use YYYY-MM-DD).") % {"field": field, "value": value},
            code="date_invalid",
        ) from None


# --- terms -------------------------------------------------------------------------------------

_SCHOOL_YEAR = re.compile(r"^(\d{4})-(\d{4})$")


def _check_term(term: Term) -> None:
    match = _SCHOOL_YEAR.match(term.school_year or "")
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise ScheduleError(
            _("School year %(value)s: write it as two consecutive years, for example 2026-2027.")
            % {"value": term.school_year},
            code="school_year_invalid",
        )
    if not (term.name or "").strip():
        raise ScheduleError(_("Give the term a name."), code="name_required")
    if term.end_date < term.start_date:
        raise ScheduleError(
            _("The term ends on %(end)s, before it starts on %(start)s.")
            % {"end": term.end_date.isoformat(), "start": term.start_date.isoformat()},
            code="term_ends_before_start",
        )
    overlapping = (
        Term.objects.filter(school_year=term.school_year, start_date__lte=term.end_date, end_date__gte=term.start_date)
        .exclude(pk=term.pk)
        .first()
    )
    if overlapping is not None:
        raise ScheduleError(
            _("The term overlaps %(other)s (%(start)s to %(end)s) of the same school year.")
            % {
                "other": overlapping,
                "start": overlapping.start_date.isoformat(),
                "end": overlapping.end_date.isoformat(),
            },
            code="term_overlaps",
        )
    if Term.objects.filter(school_year=term.school_year, name=term.name).exclude(pk=term.pk).exists():
        raise ScheduleError(
            _("%(year)s already has a term called %(name)s.") % {"year": term.school_year, "name": term.name},
            code="term_duplicate",
        )


@transaction.atomic
def term_create(*, school_year: str, name: str, start_date: Any, end_date: Any, actor, is_sample: bool = False) -> Term:
    check_manage_duty(actor)
    term = Term(
        school_year=(school_year or "").strip(),
        name=(name or "").strip(),
        start_date=parse_date(start_date, field=_("First day")),
        end_date=parse_date(end_date, field=_("Last day")),
        is_sample=is_sample,
    )
    _check_term(term)
    return save_audited(term, actor=actor, action="term")


@transaction.atomic
def term_update(*, term: Term, actor, **fields: Any) -> Term:
    """Change a term's year, name or dates. Shifts outside the new dates go at the next shift build."""
    check_manage_duty(actor)
    term = Term.objects.select_for_update().get(pk=term.pk)
    for key in ("school_year", "name"):
        if key in fields:
            setattr(term, key, (fields[key] or "").strip())
    if "start_date" in fields:
        term.start_date = parse_date(fields["start_date"], field=_("First day"))
    if "end_date" in fields:
        term.end_date = parse_date(fields["end_date"], field=_("Last day"))
    _check_term(term)
    return save_audited(term, actor=actor, action="term")


# --- calendar overrides and closures -----------------------------------------------------------


@transaction.atomic
def calendar_override_create(*, date: Any, kind: str, actor, note: str = "") -> CalendarOverride:
    """Declare a county holiday or make-up school day. An override that changes nothing is refused."""
    check_manage_duty(actor)
    day = parse_date(date, field=_("Date"))
    if kind not in CalendarOverride.Kind.values:
        raise ScheduleError(
            _("Kind %(value)s: choose holiday or workday.") % {"value": kind}, code="override_kind_invalid"
        )
    existing = CalendarOverride.objects.filter(date=day).first()
    if existing is not None:
        raise Conflict(
            _("%(date)s already has an override (%(kind)s); delete it first.")
            % {"date": day.isoformat(), "kind": existing.get_kind_display()},
            code="override_exists",
        )
    workday, _source = base_is_workday(day)
    if kind == CalendarOverride.Kind.WORKDAY and workday:
        raise ScheduleError(
            _("%(date)s is already a school day; a make-up school day override would change nothing.")
            % {"date": day.isoformat()},
            code="override_changes_nothing",
        )
    if kind == CalendarOverride.Kind.HOLIDAY and not workday:
        raise ScheduleError(
            _("%(date)s is already a day without school; a holiday override would change nothing.")
            % {"date": day.isoformat()},
            code="override_changes_nothing",
        )
    override = CalendarOverride(date=day, kind=kind, note=(note or "").strip())
    return save_audited(override, actor=actor, action="calendar_override")


@transaction.atomic
def calendar_override_delete(*, override: CalendarOverride, actor) -> None:
    check_manage_duty(actor)
    audit_record(actor=actor, action="calendar_override.delete", obj=override, before=snapshot(override))
    override.delete()


@transaction.atomic
def school_closure_create(
    *,
    school: School,
    start_date: Any,
    end_date: Any,
    actor,
    kind: str = SchoolClosure.Kind.CLOSURE,
    reason: str = "",
    no_duty: bool = True,
) -> SchoolClosure:
    """Close a school (or mark exam days) from ``start_date`` to ``end_date`` inclusive."""
    check_manage_duty(actor)
    start = parse_date(start_date, field=_("First day"))
    end = parse_date(end_date, field=_("Last day"))
    if end < start:
        raise ScheduleError(
            _("The closure ends on %(end)s, before it starts on %(start)s.")
            % {"end": end.isoformat(), "start": start.isoformat()},
            code="closure_ends_before_start",
        )
    if kind not in SchoolClosure.Kind.values:
        raise ScheduleError(_("Kind %(value)s: choose closure or exam.") % {"value": kind}, code="closure_invalid")
    closure = SchoolClosure(
        school=school, kind=kind, start_date=start, end_date=end, reason=(reason or "").strip(), no_duty=no_duty
    )
    return save_audited(closure, actor=actor, action="school_closure")


@transaction.atomic
def school_closure_delete(*, closure: SchoolClosure, actor) -> None:
    check_manage_duty(actor)
    audit_record(actor=actor, action="school_closure.delete", obj=closure, before=snapshot(closure))
    closure.delete()


# --- bell schedules ----------------------------------------------------------------------------

WEEKDAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _parse_bell_time(value: Any) -> dt.time | None:
    if isinstance(value, dt.time):
        return value
    try:
        return parse_time(str(value or "").strip())
    except ValueError:
        return None


def _kind_label(kind: str) -> str:
    return str(WindowKind(kind).label) if kind in WindowKind.values else kind


def check_bell_schedule(
    *, school: School, name: str, weekdays: Any, bells: list[dict], schedule: BellSchedule | None = None
) -> tuple[list[int], list[BellTime]]:
    """Validate a bell schedule; return the weekdays and unsaved ``BellTime`` rows or raise ``ScheduleError``.

    Rules: weekdays are 0..6 and not used by another schedule of the school; each bell has a kind and a
    time; at most one arrival, noon dismissal and noon arrival, any number of (staggered) dismissals with
    grade labels when more than one; arrival < noon dismissal < noon arrival < every dismissal; no duty
    window (bell minus/plus the window rule) crosses midnight. Every problem names its row, kind and time.
    """
    errors: list[str] = []
    if not (name or "").strip():
        errors.append(_("Give the bell schedule a name."))
    days: list[int] = []
    try:
        days = sorted({int(d) for d in (weekdays or [])})
    except (TypeError, ValueError):
        errors.append(_("Weekdays must be numbers from 0 (Monday) to 6 (Sunday)."))
    if not days and not errors:
        errors.append(_("Choose at least one weekday."))
    bad = [d for d in days if d < 0 or d > 6]
    if bad:
        errors.append(
            _("Weekday %(value)s does not exist: use 0 (Monday) to 6 (Sunday).") % {"value": bad[0]},
        )
    others = BellSchedule.objects.filter(school=school)
    if schedule is not None and schedule.pk:
        others = others.exclude(pk=schedule.pk)
    for other in others:
        shared = sorted(set(days) & set(other.weekdays or []))
        if shared:
            errors.append(
                _("%(days)s already belong to the bell schedule %(other)s of this school.")
                % {"days": ", ".join(WEEKDAY_NAMES[d] for d in shared if 0 <= d <= 6), "other": other.name}
            )
    if not bells:
        errors.append(_("Add at least one bell."))
    offsets = school_offsets(school)
    rows: list[tuple[int, BellTime]] = []
    for index, raw in enumerate(bells, start=1):
        kind = str(raw.get("kind") or "").strip()
        when = _parse_bell_time(raw.get("time"))
        where = _("Row %(row)d (%(kind)s %(time)s)") % {
            "row": index,
            "kind": _kind_label(kind) if kind else _("no kind"),
            "time": when.strftime("%H:%M") if when else (raw.get("time") or _("no time")),
        }
        if kind not in WindowKind.values:
            errors.append(_("%(where)s: choose a kind of bell.") % {"where": where})
            continue
        if when is None:
            errors.append(_("%(where)s: the time is not a time of day (use HH:MM).") % {"where": where})
            continue
        bell = BellTime(kind=kind, time=when, grades=str(raw.get("grades") or "").strip()[:50])
        before, after = offsets[kind]
        if crosses_midnight(when, offsets[kind]):
            errors.append(
                _("%(where)s: its duty window (%(before)d min before to %(after)d min after) crosses midnight.")
                % {"where": where, "before": before, "after": after}
            )
        rows.append((index, bell))

    def label(index: int, bell: BellTime) -> str:
        return _("row %(row)d (%(kind)s %(time)s)") % {
            "row": index,
            "kind": _kind_label(bell.kind),
            "time": bell.time.strftime("%H:%M"),
        }

    by_kind: dict[str, list[tuple[int, BellTime]]] = {}
    for index, bell in rows:
        by_kind.setdefault(bell.kind, []).append((index, bell))
    for kind, items in by_kind.items():
        if kind != WindowKind.DISMISSAL and len(items) > 1:
            errors.append(
                _("%(first)s and %(second)s: a day has one %(kind)s bell; only dismissal may be staggered.")
                % {"first": label(*items[0]), "second": label(*items[1]), "kind": _kind_label(kind)}
            )
    dismissals = by_kind.get(WindowKind.DISMISSAL, [])
    if len(dismissals) > 1:
        seen: dict[dt.time, int] = {}
        for index, bell in dismissals:
            if not bell.grades:
                errors.append(
                    _("%(where)s: staggered dismissal bells need the grades they release.")
                    % {"where": label(index, bell)}
                )
            if bell.time in seen:
                errors.append(
                    _("%(where)s: row %(other)d has the same dismissal time.")
                    % {"where": label(index, bell), "other": seen[bell.time]}
                )
            seen[bell.time] = index
    for i, (index_a, a) in enumerate(rows):
        for index_b, b in rows[i + 1 :]:
            rank_a, rank_b = KIND_ORDER.index(a.kind), KIND_ORDER.index(b.kind)
            if rank_a == rank_b:
                continue
            first, second = ((index_a, a), (index_b, b)) if rank_a < rank_b else ((index_b, b), (index_a, a))
            if first[1].time >= second[1].time:
                errors.append(
                    _("Bell times out of order: %(first)s must come before %(second)s.")
                    % {"first": label(*first), "second": label(*second)}
                )
    if errors:
        raise ScheduleError(" ".join(errors), code="bells_invalid", details=errors)
    return days, [bell for _index, bell in rows]


@transaction.atomic
def bell_schedule_save(
    *,
    school: School,
    name: str,
    weekdays: Any,
    bells: list[dict],
    actor,
    schedule: BellSchedule | None = None,
) -> BellSchedule:
    """Create or replace a school's bell schedule and all its bells at once.

    ``bells``: ``[{"kind": "arrival", "time": "07:50", "grades": ""}, ...]`` (time as ``HH:MM`` or a
    ``datetime.time``). Without ``schedule`` the school's schedule called ``name`` is replaced, or a new
    one is made. Nothing is written when any row is wrong.
    """
    check_manage_duty(actor)
    school = School.objects.select_for_update().get(pk=school.pk)
    if schedule is None:
        schedule = BellSchedule.objects.filter(school=school, name=(name or "").strip()).first()
    elif schedule.school_id != school.pk:
        raise ScheduleError(_("This bell schedule belongs to another school."), code="wrong_school")
    days, new_bells = check_bell_schedule(school=school, name=name, weekdays=weekdays, bells=bells, schedule=schedule)
    before = None
    if schedule is None:
        schedule = BellSchedule(school=school)
    else:
        before = {**snapshot(schedule), "bells": _bells_snapshot(schedule)}
    schedule.name = name.strip()
    schedule.weekdays = days
    schedule.full_clean()
    schedule.save()
    schedule.bells.all().delete()
    for bell in new_bells:
        bell.schedule = schedule
    BellTime.objects.bulk_create(new_bells)
    audit_record(
        actor=actor,
        action=f"bell_schedule.{'update' if before else 'create'}",
        obj=schedule,
        before=before,
        after={**snapshot(schedule), "bells": _bells_snapshot(schedule)},
    )
    return schedule


def _bells_snapshot(schedule: BellSchedule) -> list[dict]:
    return [
        {"kind": b.kind, "time": b.time.strftime("%H:%M"), "grades": b.grades}
        for b in BellTime.objects.filter(schedule=schedule).order_by("time")
    ]


@transaction.atomic
def bell_schedule_delete(*, schedule: BellSchedule, actor) -> None:
    check_manage_duty(actor)
    audit_record(
        actor=actor,
        action="bell_schedule.delete",
        obj=schedule,
        before={**snapshot(schedule), "bells": _bells_snapshot(schedule)},
    )
    schedule.delete()


# --- window rules ------------------------------------------------------------------------------


@transaction.atomic
def window_rule_save(*, kind: str, before_min: Any, after_min: Any, actor, school: School | None = None) -> WindowRule:
    """Set the offsets of a window kind for the county (``school=None``) or for one school.

    Refused when a bell of an affected school would get a window crossing midnight.
    """
    check_manage_duty(actor)
    if kind not in WindowKind.values:
        raise ScheduleError(_("Kind %(value)s is not a duty window.") % {"value": kind}, code="window_kind_invalid")
    values = {}
    for field, value, label in (
        ("before_min", before_min, _("Minutes before the bell")),
        ("after_min", after_min, _("Minutes after the bell")),
    ):
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = -1
        if number < 0 or number > 180:
            raise ScheduleError(
                _("%(field)s: %(value)s is not a number of minutes from 0 to 180.") % {"field": label, "value": value},
                code="window_offset_invalid",
            )
        values[field] = number
    offsets = (values["before_min"], values["after_min"])
    bells = BellTime.objects.filter(kind=kind).select_related("schedule__school")
    if school is not None:
        bells = bells.filter(schedule__school=school)
    else:
        # Schools with their own rule for this kind are not affected by the county default.
        bells = bells.exclude(schedule__school__window_rules__kind=kind)
    for bell in bells:
        if crosses_midnight(bell.time, offsets):
            raise ScheduleError(
                _("%(school)s, %(schedule)s: the %(kind)s bell at %(time)s would get a window crossing midnight.")
                % {
                    "school": bell.schedule.school,
                    "schedule": bell.schedule.name,
                    "kind": _kind_label(kind),
                    "time": bell.time.strftime("%H:%M"),
                },
                code="window_crosses_midnight",
            )
    rule = WindowRule.objects.filter(kind=kind, school=school).first() or WindowRule(kind=kind, school=school)
    rule.before_min, rule.after_min = offsets
    return save_audited(rule, actor=actor, action="window_rule")


@transaction.atomic
def window_rule_delete(*, rule: WindowRule, actor) -> None:
    """Drop a school's own rule (the county default applies again). County defaults stay."""
    check_manage_duty(actor)
    if rule.school_id is None:
        raise ScheduleError(_("The county default rules cannot be deleted, only changed."), code="window_rule_default")
    audit_record(actor=actor, action="window_rule.delete", obj=rule, before=snapshot(rule))
    rule.delete()


def window_rules_effective(school: School | None = None) -> list[dict]:
    """For each window kind: offsets in force and whether they come from the school, the county or the code."""
    county = county_offsets()
    own = {r.kind: r for r in WindowRule.objects.filter(school=school)} if school is not None else {}
    county_rows = {r.kind for r in WindowRule.objects.filter(school__isnull=True)}
    rows = []
    for kind in KIND_ORDER:
        if kind in own:
            before, after, source = own[kind].before_min, own[kind].after_min, "school"
        else:
            before, after = county.get(kind, DEFAULT_OFFSETS[kind])
            source = "county" if kind in county_rows else "built-in"
        rows.append({"kind": kind, "label": _kind_label(kind), "before_min": before, "after_min": after,
                     "source": source, "rule": own.get(kind)})  # fmt: skip
    return rows


# --- posts -------------------------------------------------------------------------------------

LARGE_SCHOOL_PUPILS = 1200


def post_default_requirements(gate: Gate) -> dict[str, int]:
    """Default staffing of a post at ``gate``, per window, by school level and size.

    - Kindergarten (any gate): 1 school guard and 1 volunteer (small children are handed over at the gate).
    - Main gate of a primary or nine-year school with at least 1200 pupils: 1 police officer, 1 auxiliary,
      2 guards, 2 volunteers (the busiest gates of the county).
    - Other main gates: 1 auxiliary and 1 guard, plus 1 police officer for primary, junior middle and
      nine-year schools (young pupils, the 护学岗 focus).
    - Side gates: 1 guard.
    """
    school = gate.school
    level = school.level
    if level == School.Level.KINDERGARTEN:
        return {DutyRole.GUARD: 1, DutyRole.VOLUNTEER: 1}
    if not gate.is_main:
        return {DutyRole.GUARD: 1}
    young = level in (School.Level.PRIMARY, School.Level.NINE_YEAR)
    if young and school.pupils >= LARGE_SCHOOL_PUPILS:
        return {DutyRole.POLICE: 1, DutyRole.AUXILIARY: 1, DutyRole.GUARD: 2, DutyRole.VOLUNTEER: 2}
    requirements = {DutyRole.AUXILIARY: 1, DutyRole.GUARD: 1}
    if level in (School.Level.PRIMARY, School.Level.JUNIOR, School.Level.NINE_YEAR):
        requirements = {DutyRole.POLICE: 1, **requirements}
    return requirements


def clean_requirements(value: Any) -> dict[str, int]:
    """``{"police": 1, "guard": 2}``: known roles, whole numbers 0..20, at least one person in all."""
    if not isinstance(value, dict):
        raise ScheduleError(
            _('Staffing: give a number per role, for example {"police": 1, "guard": 2}.'), code="requirements_invalid"
        )
    result: dict[str, int] = {}
    for role, count in value.items():
        if role not in DutyRole.values:
            raise ScheduleError(
                _("Staffing: %(role)s is not a role (police, auxiliary, guard, volunteer).") % {"role": role},
                code="requirements_invalid",
            )
        try:
            number = int(count)
        except (TypeError, ValueError):
            number = -1
        if number < 0 or number > 20 or str(count).strip() not in (str(number), f"{number}.0"):
            raise ScheduleError(
                _("Staffing of %(role)s: %(value)s is not a number of people from 0 to 20.")
                % {"role": DutyRole(role).label, "value": count},
                code="requirements_invalid",
            )
        if number:
            result[str(role)] = number
    if not result:
        raise ScheduleError(_("Staffing: a post needs at least one person."), code="requirements_empty")
    return result


def clean_window_kinds(value: Any) -> list[str]:
    kinds = list(value or [])
    for kind in kinds:
        if kind not in WindowKind.values:
            raise ScheduleError(_("Windows: %(value)s is not a duty window.") % {"value": kind}, code="windows_invalid")
    return sorted(set(kinds), key=KIND_ORDER.index)


@transaction.atomic
def post_create(
    *,
    gate: Gate,
    name: str,
    actor,
    requirements: dict | None = None,
    window_kinds: list[str] | None = None,
    checkin_radius_m: int = 150,
    active: bool = True,
    is_sample: bool = False,
) -> Post:
    """A post at ``gate``; without ``requirements`` the default staffing (``post_default_requirements``)."""
    check_manage_duty(actor)
    post = Post(
        gate=gate,
        name=(name or "").strip(),
        requirements=clean_requirements(requirements if requirements is not None else post_default_requirements(gate)),
        window_kinds=clean_window_kinds(window_kinds),
        checkin_radius_m=checkin_radius_m,
        active=active,
        is_sample=is_sample,
    )
    if not post.name:
        raise ScheduleError(_("Give the post a name."), code="name_required")
    return save_audited(post, actor=actor, action="post")


@transaction.atomic
def post_update(*, post: Post, actor, **fields: Any) -> Post:
    """Change a post. New staffing reaches existing shifts at the next shift build."""
    check_manage_duty(actor)
    post = Post.objects.select_for_update().get(pk=post.pk)
    if "name" in fields:
        post.name = (fields["name"] or "").strip()
        if not post.name:
            raise ScheduleError(_("Give the post a name."), code="name_required")
    if "requirements" in fields:
        post.requirements = clean_requirements(fields["requirements"])
    if "window_kinds" in fields:
        post.window_kinds = clean_window_kinds(fields["window_kinds"])
    for key in ("checkin_radius_m", "active", "gate"):
        if key in fields:
            setattr(post, key, fields[key])
    return save_audited(post, actor=actor, action="post")


# --- staff and leave ---------------------------------------------------------------------------

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
    return save_audited(staff, actor=actor, action="duty_staff")


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
    return save_audited(leave, actor=actor, action="leave")


@transaction.atomic
def leave_delete(*, leave: Leave, actor) -> None:
    check_manage_duty(actor)
    audit_record(actor=actor, action="leave.delete", obj=leave, before=snapshot(leave))
    leave.delete()


# Shift building has its own module; importable from here too, next to the other writes.
from patrol.schedule.shifts import ShiftBuildReport, duty_shifts_build  # noqa: E402, F401
