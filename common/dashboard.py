"""The overview dashboard: what needs each user's attention now, across the apps.

Each app registers its section in ``AppConfig.ready()`` with ``section_register``: a provider
``(*, user, now) -> Section | None`` (or its dotted path, loaded on first use) that returns ``None`` when
the user may not see that area, and otherwise counts only what the user may see (the app's own
selectors do the scoping: school safety staff their school, station officers their station). The
overview page (``/``) and the API (``GET /api/dashboard/``) show the same sections, sorted by ``order``.

An app may also put a card at the top of the overview page with ``overview_card_register``: a template
and a function ``(user) -> dict | None`` giving its context (``None``: no card for this user), e.g.
campus's "My school" card for school safety staff.

A tile is a number with a link to the page where it can be acted on; its level says whether it needs
attention (``warn``) or action now (``alert``). A line is one short dated item (a duty, a market day).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Literal, Protocol

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.module_loading import import_string

Level = Literal["ok", "warn", "alert"]
LEVELS = ("ok", "warn", "alert")  # the same, for the API's enum


@dataclass(frozen=True)
class Tile:
    """A count (or short value) with the page where it is acted on."""

    key: str  # stable for API clients, e.g. "unacknowledged"
    label: str
    value: int | str
    url: str = ""
    level: Level = "ok"
    note: str = ""  # e.g. "of 120 places"


@dataclass(frozen=True)
class Line:
    """One dated item: a duty, a drill, a market session."""

    text: str
    url: str = ""
    at: dt.datetime | dt.date | None = None
    level: Level = "ok"


@dataclass(frozen=True)
class Section:
    key: str  # "liaison", "duty", "incidents", "drills", "drones"
    title: str
    url: str = ""  # the area's main page
    tiles: list[Tile] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    lines_title: str = ""
    lines_empty: str = ""  # shown under lines_title when there are no lines, e.g. "No duties today."


class SectionProvider(Protocol):
    def __call__(self, *, user, now: dt.datetime) -> Section | None: ...


@dataclass(frozen=True)
class SectionRegistration:
    key: str  # the section's key, e.g. "duty"
    provider: SectionProvider | str  # the function, or its dotted path
    order: int

    def load(self) -> SectionProvider:
        return import_string(self.provider) if isinstance(self.provider, str) else self.provider


@dataclass(frozen=True)
class OverviewCard:
    key: str
    template: str  # rendered with ``card``: the context the function returned
    context: Callable[..., dict | None]  # (user) -> dict, or None for no card
    order: int


_sections: dict[str, SectionRegistration] = {}
_cards: dict[str, OverviewCard] = {}


def section_register(*, key: str, provider: SectionProvider | str, order: int) -> SectionRegistration:
    """Add (or replace, by ``key``) a section of the overview. ``order`` places it: lower comes first."""
    registration = SectionRegistration(key=key, provider=provider, order=order)
    _sections[key] = registration
    return registration


def section_unregister(key: str) -> None:
    _sections.pop(key, None)


def registered_sections() -> list[SectionRegistration]:
    return sorted(_sections.values(), key=lambda s: s.order)


def overview_card_register(*, key: str, template: str, context: Callable[..., dict | None], order: int) -> OverviewCard:
    """Add (or replace, by ``key``) a card above the overview's sections."""
    card = OverviewCard(key=key, template=template, context=context, order=order)
    _cards[key] = card
    return card


def overview_card_unregister(key: str) -> None:
    _cards.pop(key, None)


def overview_cards_for(user) -> list[dict]:
    """The cards ``user`` gets, in order, as ``{"key", "template", "context"}`` for the page."""
    cards = []
    for card in sorted(_cards.values(), key=lambda c: c.order):
        context = card.context(user)
        if context is not None:
            cards.append({"key": card.key, "template": card.template, "context": context})
    return cards


def page_url(name: str, *, kwargs: dict | None = None, fragment: str = "", **query) -> str:
    """The URL of page ``name`` with ``query`` as its filter (only filters the page reads) and ``fragment``."""
    url = reverse(name, kwargs=kwargs)
    if query:
        url += "?" + urlencode(query)
    return url + (f"#{fragment}" if fragment else "")


def level_if(count: int, level: Level = "warn") -> Level:
    """``level`` when there is something to count, else ``ok``: zero never needs attention."""
    return level if count else "ok"


def dashboard_for(user, *, now: dt.datetime | None = None) -> list[Section]:
    """The sections ``user`` may see, in page order. ``now`` is aware (defaults to the current time)."""
    now = now or timezone.now()
    sections = []
    for registration in registered_sections():
        section = registration.load()(user=user, now=now)
        if section is not None:
            sections.append(section)
    return sections


def section_as_dict(section: Section) -> dict:
    """JSON-ready: dates as ISO 8601 strings, labels already translated."""
    data = asdict(section)
    for line in data["lines"]:
        if line["at"] is not None:
            line["at"] = line["at"].isoformat()
    return data
