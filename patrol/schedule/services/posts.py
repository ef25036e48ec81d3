"""Writes of the posts at school gates and their staffing per window.

``post_default_requirements`` gives a new post its staffing from the school's level and size;
``clean_requirements`` and ``clean_window_kinds`` validate what a user sends. Each write is keyword-only,
atomic, audited and checks MANAGE_DUTY; new staffing reaches existing shifts at the next shift build.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from campus.models import Gate, School
from common.audit import save_audited
from patrol.models import DutyRole, Post, WindowKind
from patrol.schedule.services.checks import ScheduleError, check_manage_duty
from patrol.schedule.windows import KIND_ORDER

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
    old_school_id = Post.objects.filter(pk=post.pk).values_list("gate__school_id", flat=True).first()
    post = save_audited(post, actor=actor, action="post")
    # Closed, or no longer staffed for a window: its published duties still to come need cover.
    from patrol.duty.breaks import duty_breaks_for_schools

    summary = duty_breaks_for_schools(school_ids=[old_school_id], post_ids=[post.pk], actor=actor)
    post.change_notes = summary.note(_("Post %(post)s saved") % {"post": post.name})
    return post
