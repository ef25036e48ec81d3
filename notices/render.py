"""A notice's text in the reader's language: its message ids translated now, then filled with its params."""

from __future__ import annotations

import logging
from typing import Any

from django.utils import translation
from django.utils.translation import gettext

logger = logging.getLogger(__name__)


def _render(message_id: str, params: dict[str, Any]) -> str:
    if not message_id:
        return ""
    translated = gettext(message_id)
    if not params:
        return translated
    for template in (translated, message_id):
        try:
            return template % params
        except (KeyError, ValueError, TypeError):
            # A translation (or a caller) whose placeholders do not match the params: fall back to the
            # source string, then to the text unfilled, rather than fail the page.
            logger.warning("notice text %r does not fit its params %r", template, sorted(params))
    return message_id


def notice_title(notice) -> str:
    return _render(notice.title, notice.params or {})


def notice_body(notice) -> str:
    return _render(notice.body, notice.params or {})


def notice_as_dict(notice, *, language: str | None = None) -> dict[str, Any]:
    """The notice as the bell, the API and the websocket show it, translated into ``language`` (default: active)."""
    with translation.override(language or translation.get_language()):
        from notices.kinds import notice_kind

        kind = notice_kind(notice.kind)
        return {
            "id": notice.pk,
            "kind": notice.kind,
            "kind_label": str(kind.label) if kind else notice.kind,
            "title": notice_title(notice),
            "body": notice_body(notice),
            "url": notice.url,
            "urgent": notice.urgent,
            "created_at": notice.created_at.isoformat() if notice.created_at else None,
            "read": notice.read_at is not None,
        }
