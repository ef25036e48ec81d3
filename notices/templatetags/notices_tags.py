"""``{% notice_bell %}``: the bell in the top bar (templates/base.html) with the user's unread count."""

from __future__ import annotations

from django import template

from notices.selectors import notice_unread_count

register = template.Library()


@register.inclusion_tag("notices/_bell.html", takes_context=True)
def notice_bell(context):
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {"show": False}
    return {"show": True, "unread": notice_unread_count(user=user)}
