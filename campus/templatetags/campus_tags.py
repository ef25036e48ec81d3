from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

register = template.Library()

PROBLEMS = {
    None: ("ok", _("Covered")),
    "uncovered": ("bad", _("No liaison")),
    "officer_inactive": ("bad", _("Liaison inactive")),
    "officer_transferred": ("warn", _("Liaison transferred")),
    "wrong_station": ("warn", _("Contradicts jurisdiction")),
}


@register.simple_tag
def coverage_badge(problem):
    css, label = PROBLEMS.get(problem, ("warn", problem))
    return format_html('<span class="badge {}">{}</span>', css, label)


@register.simple_tag
def sample_badge(obj):
    if getattr(obj, "is_sample", False):
        return format_html('<span class="badge sample">{}</span>', _("sample"))
    return ""


@register.filter
def km(metres):
    if metres is None:
        return "—"
    return f"{metres / 1000:.1f} km"
