"""Codes a page shows by their label in the reader's language: duty roles, duty windows, the roster report's terms."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from patrol.models import DutyRole, WindowKind

register = template.Library()


@register.filter
def duty_role(code: str) -> str:
    """``police`` -> 民警 / Police: the role's label, else the code as it is."""
    return str(dict(DutyRole.choices).get(code, code))


@register.filter
def window_kinds(codes) -> str:
    """``["arrival", "dismissal"]`` -> 入校, 放学: the windows' labels, joined."""
    labels = dict(WindowKind.choices)
    return ", ".join(str(labels.get(code, code)) for code in codes or [])


_ROSTER_STATUSES = {
    "optimal": _("optimal"),
    "feasible": _("feasible, not proven optimal"),
    "partial": _("partial (some pieces fell back to the quick planner)"),
    "greedy": _("quick plan"),
}
_ENGINES = {"cp-sat": _("the CP-SAT solver"), "greedy": _("the quick planner")}
_OBJECTIVE_TERMS = {
    "uncovered_slot": _("Uncovered place"),
    "uncovered_slots": _("Uncovered places"),
    "fairness_deviation": _("Uneven load"),
    "liaison_at_own_school": _("Liaison officer at own school"),
    "liaison_bonus": _("Liaison officers at own school"),
    "continuity": _("Same person as last week"),
    "continuity_bonus": _("Same person as last week"),
    "liaison_count": _("Liaison officers at own school"),
    "continuity_count": _("Same person as last week"),
    "keep_assignment": _("Keeping an assignment"),
    "keep_published": _("Keeping a published duty"),
}


@register.filter
def roster_status(code: str) -> str:
    """The roster generator's overall status (``optimal``, ``feasible``, ``partial``) in the reader's language."""
    return str(_ROSTER_STATUSES.get(code, code))


@register.filter
def roster_engine(code: str) -> str:
    return str(_ENGINES.get(code, code))


@register.filter
def objective_term(code: str) -> str:
    """A term of the roster's objective (``patrol.roster.piece.WEIGHTS``) in the reader's language."""
    return str(_OBJECTIVE_TERMS.get(code, code))
