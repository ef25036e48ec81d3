"""Writes of the bell times and the duty windows around them: bell schedules and window rules.

A school's bell schedule names its weekdays and bells (arrival, noon dismissal, noon arrival, staggered
dismissals); ``check_bell_schedule`` validates one without writing. A window rule sets the minutes before
and after a kind of bell, for the county or one school; no bell may get a window that crosses midnight,
whichever of the two changes. Each write is keyword-only, atomic, audited and checks MANAGE_DUTY.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.dateparse import parse_time
from django.utils.translation import gettext as _

from campus.models import School
from common.audit import audit_record, save_audited, snapshot
from patrol.models import BellSchedule, BellTime, WindowKind, WindowRule
from patrol.schedule.services.checks import ScheduleError, check_manage_duty
from patrol.schedule.windows import DEFAULT_OFFSETS, KIND_ORDER, county_offsets, crosses_midnight, school_offsets

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
    from patrol.duty.breaks import duty_breaks_for_schools

    summary = duty_breaks_for_schools(school_ids=[school.pk], actor=actor)
    schedule.change_notes = summary.note(_("Bell times of %(school)s saved") % {"school": school})
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
    from patrol.duty.breaks import duty_breaks_for_schools

    summary = duty_breaks_for_schools(school_ids=[schedule.school_id], actor=actor)
    schedule.change_notes = summary.note(_("Bell schedule deleted"))


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
    rule = save_audited(rule, actor=actor, action="window_rule")
    # The windows moved with the offsets: published duties at the old times need cover.
    from patrol.duty.breaks import breakable, duty_breaks_for_schools

    affected = (
        [school.pk]
        if school is not None
        else (breakable().filter(shift__kind=kind).values_list("shift__post__gate__school_id", flat=True).distinct())
    )
    summary = duty_breaks_for_schools(school_ids=affected, actor=actor)
    rule.change_notes = summary.note(_("Duty window rule saved"))
    return rule


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
