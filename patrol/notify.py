"""Telling people that their duties changed, through the notices app (``notices.services.notice_send``).

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
