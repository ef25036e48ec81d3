"""Writes for drills: plan drills on dates, record a drill as held, close a corrective action.

Every service checks that the actor may record drills for the school (administrators and schedulers: any
school; school safety staff: their own), validates everything before writing, writes in one transaction
and audits. Uploads are processed (and refused) before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campus.calendar.days import DayKind, day_status
from campus.models import Officer, School
from common.audit import audit_record, snapshot
from common.errors import Conflict, NotAllowed
from drills.files import attachment_from_upload
from drills.models import Attachment, CorrectiveAction, Drill, DrillType
from drills.reminders import liaison_notify_planned
from drills.rules import rules_for_school
from drills.selectors import drill_schools_recordable

MAX_DATES = 31


@dataclass(frozen=True)
class ActionInput:
    """One corrective action as entered: what, who, by when."""

    description: str
    owner: str
    due_date: dt.date | None


def check_may_record(*, actor, school: School) -> None:
    if not drill_schools_recordable(actor).filter(pk=school.pk).exists():
        raise NotAllowed(_("You may not plan or record drills for %(school)s.") % {"school": school.name})


def police_required_for(*, school: School, drill_type: DrillType) -> bool:
    return any(r.police_required for r in rules_for_school(school) if r.drill_type_id == drill_type.pk)


def check_plan_dates(*, school: School, dates: Sequence[dt.date], today: dt.date) -> None:
    if not dates:
        raise ValidationError({"dates": _("Choose at least one date.")})
    if len(dates) > MAX_DATES:
        raise ValidationError({"dates": _("Plan at most %(n)d drills at once.") % {"n": MAX_DATES}})
    if len(set(dates)) != len(dates):
        raise ValidationError({"dates": _("A date is listed twice.")})
    for day in dates:
        if day < today:
            raise ValidationError({"dates": _("%(date)s is in the past; plan drills from today on.") % {"date": day}})
        status = day_status(day=day, school=school)
        if status.kind not in (DayKind.SCHOOL_DAY, DayKind.MAKEUP_WORKDAY):
            raise ValidationError(
                {"dates": _("%(date)s is not a school day for this school (%(kind)s).")
                 % {"date": day, "kind": status.kind_label}}
            )  # fmt: skip


@transaction.atomic
def drills_plan(
    *, school: School, drill_type: DrillType, dates: Sequence[dt.date], actor, today: dt.date | None = None
) -> list[Drill]:
    """Planned drills of one type on ``dates``; the liaison officer is told when police take part."""
    check_may_record(actor=actor, school=school)
    if not drill_type.active:
        raise ValidationError({"drill_type": _("This drill type is no longer in use.")})
    today = today or timezone.localdate()
    dates = sorted(dates)
    check_plan_dates(school=school, dates=dates, today=today)
    police = police_required_for(school=school, drill_type=drill_type)
    drills = []
    for day in dates:
        drill = Drill(
            school=school,
            drill_type=drill_type,
            status=Drill.Status.PLANNED,
            planned_date=day,
            police_required=police,
            evacuation_target_s=drill_type.target_evacuation_s,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        drill.full_clean(exclude=["created_by"])
        drill.save()
        audit_record(actor=actor, action="drill.plan", obj=drill, after=snapshot(drill))
        drills.append(drill)
    liaison_notify_planned(drills=drills, actor=actor)
    return drills


def _clean_actions(actions: Sequence[ActionInput], held_on: dt.date) -> list[ActionInput]:
    errors = []
    for number, action in enumerate(actions, start=1):
        description = (action.description or "").strip()
        owner = (action.owner or "").strip()
        if not description:
            errors.append(_("Corrective action %(n)d: say what must be done.") % {"n": number})
        if not owner:
            errors.append(_("Corrective action %(n)d: give an owner.") % {"n": number})
        if action.due_date is None:
            errors.append(_("Corrective action %(n)d: give a due date.") % {"n": number})
        elif action.due_date < held_on:
            errors.append(_("Corrective action %(n)d: the due date is before the drill.") % {"n": number})
    if errors:
        raise ValidationError({"actions": errors})
    return [ActionInput(a.description.strip(), a.owner.strip(), a.due_date) for a in actions]


@transaction.atomic
def drill_record(
    *,
    actor,
    school: School,
    drill_type: DrillType,
    date: dt.date | None,
    drill: Drill | None = None,
    scenario: str = "",
    participants: int | None = None,
    officers: Sequence[Officer] = (),
    evacuation_s: int | None = None,
    problems: str = "",
    actions: Sequence[ActionInput] = (),
    photos: Sequence = (),
    documents: Sequence = (),
    today: dt.date | None = None,
) -> Drill:
    """Record a drill as held: a planned ``drill`` of the school, or a new one.

    Refused, with nothing written: another school's drill or a school the actor may not record for; a date
    in the future or missing; an evacuation time of zero or less, or missing for a type that measures it
    (types that do not measure it may leave it empty); a corrective action without owner or due date; a
    photo or document that is not one (see ``drills.files``).
    """
    check_may_record(actor=actor, school=school)
    today = today or timezone.localdate()
    if drill is not None:
        drill = Drill.objects.select_for_update().filter(pk=drill.pk).first()
        if drill is None or drill.school_id != school.pk:
            raise NotAllowed(_("This drill belongs to another school."))
        if drill.status != Drill.Status.PLANNED:
            raise Conflict(_("This drill was already recorded or cancelled."))
    errors: dict[str, list[str]] = {}
    if date is None:
        errors["date"] = [_("Give the date the drill was held.")]
    elif date > today:
        errors["date"] = [
            _("%(date)s is in the future: record a drill after it was held (plan it instead).") % {"date": date}
        ]
    if evacuation_s is not None and evacuation_s <= 0:
        errors["evacuation_s"] = [_("The evacuation time must be more than 0 seconds.")]
    elif evacuation_s is None and drill_type.evacuation:
        errors["evacuation_s"] = [_("Give the evacuation time in seconds: %(type)s drills measure it.")
                                  % {"type": drill_type.name}]  # fmt: skip
    if participants is not None and participants < 0:
        errors["participants"] = [_("The number of participants cannot be negative.")]
    if errors:
        raise ValidationError(errors)
    clean_actions = _clean_actions(actions, date)
    files = [attachment_from_upload(upload=f, kind=Attachment.Kind.PHOTO, actor=actor) for f in photos]
    files += [attachment_from_upload(upload=f, kind=Attachment.Kind.DOCUMENT, actor=actor) for f in documents]
    before = snapshot(drill) if drill is not None else None
    if drill is None:
        drill = Drill(
            school=school,
            drill_type=drill_type,
            police_required=police_required_for(school=school, drill_type=drill_type),
            created_by=actor if getattr(actor, "pk", None) else None,
        )
    drill.drill_type = drill_type
    drill.status = Drill.Status.DONE
    drill.date = date
    drill.scenario = scenario or ""
    drill.participants = participants
    drill.evacuation_s = evacuation_s
    drill.evacuation_target_s = drill_type.target_evacuation_s if drill_type.evacuation else None
    drill.problems = problems or ""
    drill.recorded_at = timezone.now()
    drill.full_clean(exclude=["created_by"])
    drill.save()
    drill.officers.set(officers)
    for action in clean_actions:
        row = CorrectiveAction(drill=drill, description=action.description, owner=action.owner,
                               due_date=action.due_date)  # fmt: skip
        row.full_clean()
        row.save()
    for attachment in files:
        attachment.drill = drill
        attachment.full_clean(exclude=["content", "uploaded_by"])
        attachment.save()
    after = snapshot(drill)
    after["officers"] = [o.pk for o in officers]
    after["corrective_actions"] = len(clean_actions)
    after["attachments"] = [a.name for a in files]
    audit_record(actor=actor, action="drill.record", obj=drill, before=before, after=after)
    return drill


@transaction.atomic
def drill_cancel(*, drill: Drill, actor, reason: str = "") -> Drill:
    check_may_record(actor=actor, school=drill.school)
    if drill.status != Drill.Status.PLANNED:
        raise Conflict(_("Only a planned drill can be cancelled."))
    before = snapshot(drill)
    drill.status = Drill.Status.CANCELLED
    drill.save(update_fields=["status"])
    audit_record(actor=actor, action="drill.cancel", obj=drill, before=before, after=snapshot(drill), reason=reason)
    return drill


@transaction.atomic
def corrective_action_done(*, action: CorrectiveAction, note: str, actor) -> CorrectiveAction:
    """Close a corrective action with a note of what was done."""
    action = CorrectiveAction.objects.select_for_update(of=("self",)).select_related("drill__school").get(pk=action.pk)
    check_may_record(actor=actor, school=action.drill.school)
    if action.status == CorrectiveAction.Status.DONE:
        raise Conflict(_("This corrective action is already done."))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what was done.")})
    before = snapshot(action)
    action.status = CorrectiveAction.Status.DONE
    action.done_note = note
    action.done_at = timezone.now()
    action.full_clean()
    action.save()
    audit_record(actor=actor, action="corrective_action.done", obj=action, before=before, after=snapshot(action))
    return action
