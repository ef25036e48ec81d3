"""Template tags for emergency plans and police-school activities, including the school page's section."""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from common.roles import Capability, can
from drills import activities, plans

register = template.Library()

RECENT_ACTIVITIES = 5
RECENT_VISITS = 5

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


@register.simple_tag(takes_context=True)
def school_safety(context, school) -> dict | None:
    """What the school page shows about plans and activities, or None when the user may not see it.

    Plans summary (current version per scenario, review date, scenarios missing), the current liaison
    officer's visits, and the latest activities. School staff see only their own school.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not can(user, Capability.VIEW_DRILLS):
        return None
    if not plans.drill_schools_visible(user).filter(pk=school.pk).exists():
        return None
    board = plans.plan_board(user=user, school=school)
    entry = board.schools[0] if board.schools else plans.SchoolPlans(school=school)
    return {
        "plans": entry,
        "visits": list(activities.liaison_visits(school)[:RECENT_VISITS]),
        "liaison": activities.liaison_officer(school),
        "recent": list(
            activities.activities_visible(user).filter(school=school).order_by("-date", "-id")[:RECENT_ACTIVITIES]
        ),
        "can_record_plans": plans.recordable_schools(user).filter(pk=school.pk).exists(),
        "can_record_activities": can(user, Capability.RECORD_ACTIVITIES),
    }
