from __future__ import annotations

import datetime as dt

from django import template

register = template.Library()


@register.simple_tag
def signed(value) -> str:
    """A change with its sign: +3, -2, 0."""
    if value is None:
        return "—"
    return f"+{value}" if value > 0 else str(value)


@register.filter
def isotime(value: str | None) -> str:
    """An ISO 8601 local time from a snapshot as "YYYY-MM-DD HH:MM"."""
    if not value:
        return "—"
    try:
        return dt.datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(value)[:16]
