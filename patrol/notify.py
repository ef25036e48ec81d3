"""Telling people that their duties changed or that a swap concerns them, through the notices app
(``notices.services.notice_send``).

The one place patrol sends notices from, so that the notices app stays a lazy import: patrol works (and
logs instead) where it is not installed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext_noop

logger = logging.getLogger(__name__)

KIND = "duty_changed"
# A duty this close is urgent: the person may already be on their way.
URGENT_WITHIN = dt.timedelta(hours=24)


def is_urgent(starts: Iterable[dt.datetime], *, now: dt.datetime | None = None) -> bool:
    """Whether any of the duties starting at ``starts`` begins within ``URGENT_WITHIN`` (and not before now)."""
    now = now or timezone.now()
    return any(now <= start <= now + URGENT_WITHIN for start in starts)


def duty_change_notify(
    *, users: Iterable, title: str, params: Mapping[str, Any], url: str, starts: Iterable[dt.datetime], key: str = ""
) -> int:
    """Tell ``users`` (inside the caller's transaction) that their duties changed; how many were told.

    ``title``: a message id (``gettext_noop``) filled with ``params`` in the reader's language; ``starts``:
    the changed duties' starts (urgent when one is within 24 h); ``key``: de-duplicates a repeated notice.
    """
    users = [u for u in users if u is not None]
    if not users:
        return 0
    urgent = is_urgent(list(starts))
    if not apps.is_installed("notices"):
        logger.info("duty change for %s (urgent=%s): %s %s", [u.pk for u in users], urgent, title, dict(params))
        return 0
    from notices.services import notice_send

    sent = notice_send(
        users=users, kind=KIND, title=title, params=dict(params), url=url, urgent=urgent, dedupe_key=key[:200]
    )
    return len(sent)


# --- swap requests ---------------------------------------------------------------------------------

SWAP_KIND = "swap_request"
SWAP_TITLES = {
    # to the person asked (or, when they have no login, to the brigade schedulers who decide for them)
    "asked": gettext_noop("%(requester)s asks you to take their duty on %(date)s %(time)s at %(school)s"),
    "asked_brigade": gettext_noop(
        "%(requester)s asks %(to)s to take their duty on %(date)s %(time)s at %(school)s: accept or reject it"
    ),
    # to the person who asked
    "accepted": gettext_noop("%(to)s takes your duty on %(date)s %(time)s at %(school)s: the swap was accepted"),
    "rejected": gettext_noop(
        "%(to)s will not take your duty on %(date)s %(time)s at %(school)s: the swap was rejected"
    ),
    "cancelled_stale": gettext_noop(
        "Your swap request for %(date)s %(time)s at %(school)s was withdrawn: the duty changed hands"
    ),
    # to the person asked, when the asker withdraws
    "withdrawn": gettext_noop("%(requester)s withdrew the request to take their duty on %(date)s %(time)s"),
}


def _schedulers():
    from django.contrib.auth import get_user_model

    from common.roles import Role

    return list(get_user_model().objects.filter(groups__name=Role.BRIGADE_SCHEDULER, is_active=True))


def swap_request_notify(*, swap, event: str, requester=None) -> int:
    """Tell the people a swap request concerns that ``event`` happened; how many were told.

    Inside the caller's transaction. ``event``: ``asked`` (the person asked, or the brigade schedulers when
    that person has no login), ``accepted``/``rejected``/``cancelled_stale`` (the person who asked) or
    ``withdrawn`` (the person asked). ``requester``: the duty's holder before an accepted swap changed it.
    Urgent when the duty starts within 24 hours. Each event is sent once per swap (de-duplicated)."""
    assignment = swap.assignment
    shift = assignment.shift
    requester = requester or assignment.staff
    params = {
        "requester": requester.name,
        "to": swap.to_staff.name,
        "date": shift.date.isoformat(),
        "time": f"{timezone.localtime(shift.start):%H:%M}",
        "school": shift.post.gate.school.name,
    }
    title = SWAP_TITLES[event]
    if event == "asked":
        users = [swap.to_staff.user] if swap.to_staff.user_id else []
        if not users:
            users, title = _schedulers(), SWAP_TITLES["asked_brigade"]
    elif event == "withdrawn":
        users = [swap.to_staff.user] if swap.to_staff.user_id else []
    else:
        users = [swap.requested_by] if swap.requested_by_id else []
        if not users and requester.user_id:
            users = [requester.user]
    users = [u for u in users if u is not None]
    if not users:
        return 0
    urgent = is_urgent([shift.start])
    if not apps.is_installed("notices"):
        logger.info("swap %s %s for %s (urgent=%s)", swap.pk, event, [u.pk for u in users], urgent)
        return 0
    from django.urls import reverse

    from notices.services import notice_send

    sent = notice_send(
        users=users,
        kind=SWAP_KIND,
        title=title,
        params=params,
        url=reverse("patrol:roster-swaps"),
        urgent=urgent,
        dedupe_key=f"swap:{swap.pk}:{event}",
    )
    return len(sent)
