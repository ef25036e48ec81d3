"""Template tags for emergency plans and police-school activities."""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from drills.plans import services as plans

register = template.Library()

REVIEW_BADGES = {
    plans.REVIEW_OVERDUE: ("bad", _("review overdue")),
    plans.REVIEW_DUE_SOON: ("warn", _("review due soon")),
    plans.REVIEW_OK: ("ok", _("current")),
    plans.REVIEW_NONE: ("", _("no version")),
}


@register.simple_tag
def review_badge(status: str):
    css, label = REVIEW_BADGES.get(status, ("", status))
    return format_html('<span class="badge {}">{}</span>', css, label)


@register.simple_tag
def attachment_url(attachment) -> str:
    """Where an attachment is served (``drills:drill-attachment``); empty while that view is not installed."""
    try:
        return reverse("drills:drill-attachment", kwargs={"pk": attachment.pk})
    except NoReverseMatch:
        return ""
