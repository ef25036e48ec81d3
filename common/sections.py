"""Sections of the school page that other apps contribute, as they register them.

The school page (campus) knows no app built on the registry: an app adds its part of the page in
``AppConfig.ready()``::

    from common.sections import school_section_register

    school_section_register(
        key="drills", template="drills/plans/_school_section.html", context=school_safety, order=100
    )

``context`` is a function ``(*, user, school) -> dict | None`` (or its dotted path, loaded on first use):
``None`` when the user may not see that part, so the page leaves it out. The template is rendered with the
page's context plus ``section``, the dict the function returned. Registering a key again replaces the
earlier section, so a repeated ``ready()`` never doubles the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import import_string

SectionContext = Callable[..., dict | None]


@dataclass(frozen=True)
class SchoolSection:
    key: str  # e.g. "drills"
    template: str
    context: SectionContext | str  # the function, or its dotted path
    order: int  # lower comes first

    def load(self) -> SectionContext:
        return import_string(self.context) if isinstance(self.context, str) else self.context


_school_sections: dict[str, SchoolSection] = {}


def school_section_register(*, key: str, template: str, context: SectionContext | str, order: int) -> SchoolSection:
    """Add (or replace, by ``key``) a section of the school page. ``order`` places it: lower comes first."""
    section = SchoolSection(key=key, template=template, context=context, order=order)
    _school_sections[key] = section
    return section


def school_section_unregister(key: str) -> None:
    _school_sections.pop(key, None)


def registered_school_sections() -> list[SchoolSection]:
    return sorted(_school_sections.values(), key=lambda s: s.order)


def school_sections_for(*, user, school) -> list[dict]:
    """The sections ``user`` gets on ``school``'s page, in order, as ``{"key", "template", "context"}``."""
    sections = []
    for section in registered_school_sections():
        context = section.load()(user=user, school=school)
        if context is not None:
            sections.append({"key": section.key, "template": section.template, "context": context})
    return sections
