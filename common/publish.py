"""Pushing events to websocket groups through the channel layer, after the write has committed.

The one path for every app's live events (duty board, drone alerts, incidents, socket re-checks).
Publishing happens in ``transaction.on_commit``, so nobody hears of rolled-back state, and it never
raises into the caller: by then the write has committed, and a full channel layer
(``channels.exceptions.ChannelFull``), a Redis outage or a bug in building the event must not turn a
saved change into an error page. Such a failure is logged once per event and the event is dropped;
pages catch up on their next load or periodic refresh.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def channel_publish(groups: str | Iterable[str], message: dict[str, Any]) -> bool:
    """Send ``message`` to each group now; True when every send succeeded. Never raises.

    Call from synchronous code only (a service, a thread), and for changes that are committed
    already; inside a transaction use ``publish_after_commit``.
    """
    names = [groups] if isinstance(groups, str) else list(groups)
    try:
        layer = get_channel_layer()
    except Exception:  # noqa: BLE001 - a misconfigured layer must not fail a committed request
        logger.exception("no channel layer for %s to %s", message.get("type"), ", ".join(names))
        return False
    if layer is None:
        return True  # no layer configured: nobody is listening
    failed: list[str] = []
    first_error: BaseException | None = None
    for group in names:
        try:
            async_to_sync(layer.group_send)(group, message)
        except Exception as error:  # noqa: BLE001 - see the module docstring
            failed.append(group)
            first_error = first_error or error
    if failed:
        logger.error(
            "could not publish %s to %s: %r", message.get("type"), ", ".join(failed), first_error, exc_info=first_error
        )
        return False
    return True


def run_after_commit(action: Callable[[], object], *, what: str) -> None:
    """Run ``action`` once the current transaction commits (at once outside one); never raises.

    For events whose groups or payload are read from the committed state (``action`` builds them and
    calls ``channel_publish``). ``what`` names the event in the log.
    """

    def guarded() -> None:
        try:
            action()
        except Exception:  # noqa: BLE001 - the write has committed; see the module docstring
            logger.exception("could not publish %s after commit", what)

    transaction.on_commit(guarded)


def publish_after_commit(groups: str | Iterable[str], message: dict[str, Any]) -> None:
    """Send ``message`` to ``groups`` once the current transaction commits; never raises."""
    names = [groups] if isinstance(groups, str) else list(groups)
    transaction.on_commit(lambda: channel_publish(names, message))
