"""Messages that are stored, then shown to readers of other languages: the text and how to make it again.

A ``Text`` is a ``str`` (formatted in the active language when made, so code that prints, compares or
joins it works as with any message) that also keeps its message ids and parameters. Stored as
``text_to_json`` next to the plain text, it is shown with ``text_render`` in the reader's language: an
import report written by a Chinese user reads in English for an English one. Joining two ``Text`` with
``+`` keeps both; joining with a plain string gives a plain string (then the stored text is shown as it is).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext

Part = tuple[str, dict[str, Any]]


def _param(value: Any) -> Any:
    if isinstance(value, Text):
        return value
    if isinstance(value, Promise):
        return str(value)
    return value


def _format(msgid: str, params: Mapping[str, Any]) -> str:
    message = gettext(msgid)
    if not params:
        return message
    shown = {name: text_render(value) if isinstance(value, dict) else value for name, value in params.items()}
    try:
        return message % shown
    except (KeyError, TypeError, ValueError):  # a translation that no longer fits its parameters
        return msgid % shown


class Text(str):
    """A message in the active language that can be made again in another (``parts``: message ids and params)."""

    parts: tuple[Part, ...]

    def __new__(cls, parts: tuple[Part, ...]) -> Text:
        obj = super().__new__(cls, "".join(_format(msgid, params) for msgid, params in parts))
        obj.parts = parts
        return obj

    def __add__(self, other):
        if isinstance(other, Text):
            return Text(self.parts + other.parts)
        if other == "":
            return self
        return str(self) + other

    def __radd__(self, other):
        if isinstance(other, Text):
            return Text(other.parts + self.parts)
        if other == "":
            return self
        return other + str(self)


def text(msgid: str, /, **params: Any) -> Text:
    """``text(gettext_noop("%(n)s rows"), n=3)``: the message in the active language, remembering how it was made."""
    return Text(((msgid, {name: _param(value) for name, value in params.items()}),))


def text_to_json(value: str) -> list | None:
    """How to make ``value`` again (a list of [message id, params]), or None for plain text."""
    if not isinstance(value, Text):
        return None
    return [[msgid, {k: {"parts": text_to_json(v)} if isinstance(v, Text) else v for k, v in params.items()}]
            for msgid, params in value.parts]  # fmt: skip


def text_render(stored: Any, fallback: str = "") -> str:
    """``text_to_json``'s output (or ``{"parts": ...}``) in the active language; ``fallback`` when there is none."""
    if isinstance(stored, dict):
        stored = stored.get("parts")
    if not stored:
        return fallback
    try:
        return "".join(_format(msgid, params or {}) for msgid, params in stored)
    except (TypeError, ValueError):  # not what text_to_json writes
        return fallback
