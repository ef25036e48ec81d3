"""The kinds of notice the apps send, as they register them in ``AppConfig.ready()``::

    from notices.kinds import notice_kind_register

    notice_kind_register("incident_routed", _("Incident routed to me"), default_channels=("email",))

In-app delivery is always on; ``default_channels`` are the other channels a user gets until they
choose their own on the preferences page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.functional import Promise

CHANNEL_IN_APP = "in_app"
CHANNEL_EMAIL = "email"
CHANNEL_WEBHOOK = "webhook"
# Channels besides in-app, which every notice has; the order of the preferences page.
OUTBOUND_CHANNELS = (CHANNEL_EMAIL, CHANNEL_WEBHOOK)


@dataclass(frozen=True)
class NoticeKind:
    code: str
    label: str | Promise
    default_channels: frozenset[str]


_kinds: dict[str, NoticeKind] = {}


def notice_kind_register(code: str, label: str | Promise, default_channels: Iterable[str] = ()) -> NoticeKind:
    """Add (or replace, by ``code``) a kind; ``default_channels`` from ``OUTBOUND_CHANNELS`` (in-app is implied)."""
    if not code or len(code) > 64 or not code.replace("_", "").isalnum():
        raise ValueError(f"notice kind code {code!r}: use 1-64 letters, digits and underscores")
    channels = frozenset(c for c in default_channels if c != CHANNEL_IN_APP)
    unknown = channels - set(OUTBOUND_CHANNELS)
    if unknown:
        raise ValueError(f"notice kind {code!r}: unknown channels {sorted(unknown)}; use {OUTBOUND_CHANNELS}")
    kind = NoticeKind(code=code, label=label, default_channels=channels)
    _kinds[code] = kind
    return kind


def notice_kind_unregister(code: str) -> None:
    _kinds.pop(code, None)


def notice_kind(code: str) -> NoticeKind | None:
    return _kinds.get(code)


def notice_kinds() -> list[NoticeKind]:
    """Every registered kind, in registration order (the apps' order)."""
    return list(_kinds.values())
