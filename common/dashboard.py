"""The overview dashboard: what needs each user's attention now, across the apps.

Each app contributes one section through a provider named in ``SECTION_PROVIDERS``: a function
``(*, user, now) -> Section | None`` that returns ``None`` when the user may not see that area, and
otherwise counts only what the user may see (the app's own selectors do the scoping: school safety
staff their school, station officers their station). The overview page (``/``) and the API
(``GET /api/dashboard/``) show the same sections.

A tile is a number with a link to the page where it can be acted on; its level says whether it needs
attention (``warn``) or action now (``alert``). A line is one short dated item (a duty, a market day).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Literal, Protocol

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.module_loading import import_string

Level = Literal["ok", "warn", "alert"]
LEVELS = ("ok", "warn", "alert")  # the same, for the API's enum

# In page order. Dotted paths so that ``common`` does not import the apps at module level.
SECTION_PROVIDERS = [
    "campus.dashboard.liaison_section",
    "patrol.duty.dashboard.duty_section",
    "incidents.dashboard.incidents_section",
    "campus.drills.dashboard.drills_section",
    "drones.dashboard.drones_section",
]


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
    for path in SECTION_PROVIDERS:
        provider: SectionProvider = import_string(path)
        section = provider(user=user, now=now)
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
