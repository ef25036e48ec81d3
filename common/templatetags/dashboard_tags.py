"""Formatting for the overview dashboard."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()


@register.filter
def dashboard_when(value: dt.datetime | dt.date | None) -> str:
    """Local "HH:MM" for a time today, "m-d HH:MM" for another day's time, "m-d" for a date."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        if local.date() == timezone.localdate():
            return local.strftime("%H:%M")
        return local.strftime("%m-%d %H:%M")
    return date_format(value, "m-d")
