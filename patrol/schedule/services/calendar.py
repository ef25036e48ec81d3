"""Writes of the school calendar the duty schedule follows: terms, county calendar overrides, closures.

A term has a school year written as two consecutive years, a name unique in that year, and dates that
overlap no other term of the year. A calendar override (county holiday or make-up school day) must change
the day it names; a closure (or exam days) runs from its first to its last day inclusive. Each write is
keyword-only, atomic, audited and checks MANAGE_DUTY.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from campus.calendar.days import base_is_workday
from campus.models import CalendarOverride, School, SchoolClosure, Term
from common.audit import audit_record, save_audited, snapshot
from common.errors import Conflict
from patrol.schedule.services.checks import ScheduleError, check_manage_duty, parse_date

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
    closure = save_audited(closure, actor=actor, action="school_closure")
    from patrol.duty.breaks import duty_breaks_for_schools

    summary = duty_breaks_for_schools(school_ids=[school.pk], actor=actor)
    closure.change_notes = summary.note(_("Closure of %(school)s added") % {"school": school})
    return closure


@transaction.atomic
def school_closure_delete(*, closure: SchoolClosure, actor) -> None:
    check_manage_duty(actor)
    audit_record(actor=actor, action="school_closure.delete", obj=closure, before=snapshot(closure))
    closure.delete()
