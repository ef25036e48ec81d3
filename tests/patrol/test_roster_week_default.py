"""The roster week view opens on the week containing today inside the term, else on the term's first
shift week; the term page's week picker starts on the same week."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from patrol.roster.selectors import default_week
from tests.patrol.factories import DutyShiftFactory, TermFactory, local
from tests.patrol.test_roster_edits import MONDAY, rw  # noqa: F401 - the fixture

SATURDAY = MONDAY + dt.timedelta(days=12)  # of the second week


def test_inside_the_term_the_week_of_today_even_on_a_weekend(rw, monkeypatch):  # noqa: F811
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: SATURDAY)
    assert default_week(rw["term"]) == MONDAY + dt.timedelta(days=7)


def test_before_the_term_the_week_of_its_first_shift(db):
    term = TermFactory(school_year="2031-2032", start_date=dt.date(2031, 8, 25), end_date=dt.date(2032, 1, 16))
    first = dt.date(2031, 9, 3)
    DutyShiftFactory(term=term, date=first, start=local(first, 7, 20), end=local(first, 8, 0))
    assert default_week(term) == dt.date(2031, 9, 1)


def test_the_week_view_and_the_term_picker_open_on_this_week(client, rw, monkeypatch):  # noqa: F811
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: SATURDAY)
    client.force_login(rw["users"]["scheduler"])
    this_week = (MONDAY + dt.timedelta(days=7)).isoformat()
    week = client.get(reverse("patrol:roster-week", kwargs={"term_id": rw["term"].pk}))
    assert week.context["grid"].monday.isoformat() == this_week
    term = client.get(reverse("patrol:roster-term", kwargs={"term_id": rw["term"].pk})).content.decode()
    assert f'<option value="{this_week}" selected>' in term
