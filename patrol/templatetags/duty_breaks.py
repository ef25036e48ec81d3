"""``{% duty_breaks_open term as n %}``: how many published duties of a term need cover, in the user's scope."""

from __future__ import annotations

from django import template

from patrol.duty.breaks import breaks_open

register = template.Library()


@register.simple_tag(takes_context=True)
def duty_breaks_open(context, term) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or term is None:
        return 0
    return breaks_open(user=user, term=term).count()
