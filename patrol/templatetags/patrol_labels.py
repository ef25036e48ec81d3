"""Codes a page shows by their label in the reader's language: duty roles and duty windows."""

from __future__ import annotations

from django import template

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
