"""Drill types and requirement rules: which rules apply to a school, checking a rule, saving types and rules.

A rule asks a kind of school (levels, boarding, school bus) for ``count`` drills of a type per month, term
or school year, optionally with police taking part. Several active rules of the same type and period that
apply to one school add up (the boarding schools' night-time evacuation is *extra* to every school's one).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from campus.models import School, Term
from common.audit import save_audited
from common.errors import Conflict, DomainError, NotAllowed
from common.roles import Capability, can
from drills.models import DrillRule, DrillType

# A Chinese month has at most 23 weekdays, and make-up Saturdays never make a month longer than that.
MAX_SCHOOL_DAYS_PER_MONTH = 23
# About 21 school weeks: the longest term the county keeps. Used when no term is configured.
MAX_SCHOOL_DAYS_PER_TERM = 105
MONTHS_PER_TERM = 5


class RuleInvalid(DomainError):
    code = "rule_invalid"


def rule_applies(rule: DrillRule, school: School) -> bool:
    """Whether ``rule`` covers ``school``: level listed (or none listed), boarding and bus match (or either)."""
    if not rule.active:
        return False
    if rule.levels and school.level not in rule.levels:
        return False
    if rule.boarding is not None and rule.boarding != school.boarding:
        return False
    return not (rule.school_bus is not None and rule.school_bus != school.school_bus)


def rules_active() -> list[DrillRule]:
    return list(DrillRule.objects.filter(active=True, drill_type__active=True).select_related("drill_type"))


def rules_for_school(school: School, *, rules: list[DrillRule] | None = None) -> list[DrillRule]:
    """The active rules of active drill types that apply to ``school`` (pass ``rules`` to save a query)."""
    rules = rules_active() if rules is None else rules
    return [rule for rule in rules if rule.drill_type.active and rule_applies(rule, school)]


def _overlap(a: DrillRule, b: DrillRule) -> bool:
    """Whether some school could be covered by both rules."""
    if a.levels and b.levels and not set(a.levels) & set(b.levels):
        return False
    if a.boarding is not None and b.boarding is not None and a.boarding != b.boarding:
        return False
    return not (a.school_bus is not None and b.school_bus is not None and a.school_bus != b.school_bus)


def shortest_term_school_days() -> int:
    """School days of the shortest configured term (county calendar), or ``MAX_SCHOOL_DAYS_PER_TERM``."""
    from campus.calendar.days import school_days

    terms = list(Term.objects.all())
    if not terms:
        return MAX_SCHOOL_DAYS_PER_TERM
    shortest = min(terms, key=lambda t: (t.end_date - t.start_date).days)
    return len(school_days(term=shortest)) or MAX_SCHOOL_DAYS_PER_TERM


def _per_term(rule: DrillRule) -> int:
    """Drills a rule asks for in one term (a monthly rule over a term's months, a yearly one at most all)."""
    if rule.period == DrillRule.Period.MONTH:
        return rule.count * MONTHS_PER_TERM
    return rule.count


def check_rule(rule: DrillRule) -> None:
    """Refuse a rule with impossible counts or bad attributes, naming the field (``RuleInvalid``).

    Impossible: fewer than one drill; more drills in a month than a month has school days (23); more in a
    term than the shortest term has school days; more in a year than two terms have; and, together with the
    other active rules of the same type that could cover the same schools, more drills in a month or term
    than there are school days in it. An exact duplicate of another active rule is refused too.
    """
    errors: dict[str, list[str]] = {}
    if rule.count is None or rule.count < 1:
        errors.setdefault("count", []).append(_("A rule must ask for at least one drill per period."))
    bad_levels = [level for level in (rule.levels or []) if level not in School.Level.values]
    if not isinstance(rule.levels, list) or bad_levels:
        errors.setdefault("levels", []).append(
            _("Unknown school level: %(levels)s.") % {"levels": ", ".join(map(str, bad_levels))}
        )
    if rule.period not in DrillRule.Period.values:
        errors.setdefault("period", []).append(_("Choose a month, a term or a school year."))
    if errors:
        raise ValidationError(errors)
    term_days = shortest_term_school_days()
    limit = {
        DrillRule.Period.MONTH: (MAX_SCHOOL_DAYS_PER_MONTH, _("a month has at most %(days)d school days")),
        DrillRule.Period.TERM: (term_days, _("the shortest term has %(days)d school days")),
        DrillRule.Period.YEAR: (term_days * 2, _("a school year has about %(days)d school days")),
    }[rule.period]
    if rule.count > limit[0]:
        raise ValidationError(
            {"count": _("%(count)d drills per %(period)s is impossible: %(why)s.")
             % {"count": rule.count, "period": rule.get_period_display().lower(), "why": limit[1] % {"days": limit[0]}}}
        )  # fmt: skip
    if not rule.active:
        return
    others = DrillRule.objects.filter(drill_type_id=rule.drill_type_id, active=True).exclude(pk=rule.pk)
    others = [other for other in others if _overlap(rule, other)]
    for other in others:
        if (
            sorted(other.levels or []) == sorted(rule.levels or [])
            and other.boarding == rule.boarding
            and other.school_bus == rule.school_bus
            and other.period == rule.period
        ):
            raise ValidationError(
                {"period": _("An active rule for the same drill type, schools and period exists already (#%(id)d); "
                             "edit that one.") % {"id": other.pk}}
            )  # fmt: skip
    monthly = sum(o.count for o in [rule, *others] if o.period == DrillRule.Period.MONTH)
    if monthly > MAX_SCHOOL_DAYS_PER_MONTH:
        raise ValidationError(
            {"count": _("With the other rules for %(type)s the same schools would need %(count)d drills a month; "
                        "a month has at most %(days)d school days.")
             % {"type": rule.drill_type.name, "count": monthly, "days": MAX_SCHOOL_DAYS_PER_MONTH}}
        )  # fmt: skip
    per_term = sum(_per_term(o) for o in [rule, *others] if o.period != DrillRule.Period.YEAR)
    if per_term > term_days:
        raise ValidationError(
            {"count": _("With the other rules for %(type)s the same schools would need %(count)d drills a term; "
                        "the shortest term has %(days)d school days.")
             % {"type": rule.drill_type.name, "count": per_term, "days": term_days}}
        )  # fmt: skip


def _check_manage(actor) -> None:
    if not can(actor, Capability.MANAGE_DRILL_RULES):
        raise NotAllowed(_("Only a bureau administrator may change drill types and rules."))


@transaction.atomic
def drill_type_save(*, drill_type: DrillType, actor) -> DrillType:
    """Create or update a drill type. A built-in type keeps its code; a target time needs a timed type."""
    _check_manage(actor)
    if drill_type.pk:
        old = DrillType.objects.filter(pk=drill_type.pk).first()
        if old is not None and old.builtin and old.code != drill_type.code:
            raise ValidationError({"code": _("The code of a built-in drill type cannot change.")})
    elif DrillType.objects.filter(code=drill_type.code).exists():
        raise Conflict(_("A drill type with the code %(code)s exists already.") % {"code": drill_type.code})
    if drill_type.target_evacuation_s is not None and not drill_type.evacuation:
        raise ValidationError(
            {"target_evacuation_s": _("Only a type that measures evacuation time can have a target time.")}
        )
    return save_audited(drill_type, actor=actor, action="drill_type")


@transaction.atomic
def drill_rule_save(*, rule: DrillRule, actor) -> DrillRule:
    """Create or update a requirement rule after ``check_rule``; audited."""
    _check_manage(actor)
    # Lock the type's rules so two admins cannot together add rules that exceed the school days.
    list(DrillRule.objects.select_for_update().filter(drill_type_id=rule.drill_type_id))
    rule.levels = sorted(set(rule.levels or []))
    check_rule(rule)
    rule.full_clean()
    return save_audited(rule, actor=actor, action="drill_rule")


def rules_listed() -> QuerySet[DrillRule]:
    return DrillRule.objects.select_related("drill_type").order_by("drill_type__name", "period", "id")
