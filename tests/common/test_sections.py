"""The school page's sections other apps register (``common.sections``): campus renders them in order,
without knowing the apps; a section whose context is ``None`` is left out for that user."""

from __future__ import annotations

import pytest

from common.sections import (
    registered_school_sections,
    school_section_register,
    school_section_unregister,
    school_sections_for,
)


@pytest.fixture
def probe_sections():
    keys = ["probe_late", "probe_early", "probe_hidden"]
    yield keys
    for key in keys:
        school_section_unregister(key)


def test_drills_registers_its_section_of_the_school_page():
    section = next(s for s in registered_school_sections() if s.key == "drills")
    assert section.template == "drills/plans/_school_section.html"
    assert section.load().__module__ == "drills.school_section"


def test_sections_come_in_order_and_a_none_context_leaves_one_out(probe_sections):
    school_section_register(key="probe_late", template="late.html", context=lambda *, user, school: {"n": 2}, order=-1)
    school_section_register(
        key="probe_early", template="early.html", context=lambda *, user, school: {"n": school}, order=-2
    )
    school_section_register(key="probe_hidden", template="hidden.html", context=lambda *, user, school: None, order=-3)
    # Registering a key again replaces it: a repeated ready() never doubles the page.
    school_section_register(key="probe_late", template="late.html", context=lambda *, user, school: {"n": 3}, order=-1)
    probes = [s for s in school_sections_for(user=None, school=7) if s["key"].startswith("probe_")]
    assert probes == [
        {"key": "probe_early", "template": "early.html", "context": {"n": 7}},
        {"key": "probe_late", "template": "late.html", "context": {"n": 3}},
    ]
