"""Roster counts that mean what they say: places before the roster began are not uncovered, and a
published roster with gaps says so (roster home, term page, XLSX export, dashboard tile)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from common.dashboard import Tile
from common.roles import Role
from patrol.duty.dashboard import duty_section
from patrol.models import DutyAssignment, Roster
from patrol.roster.counts import counted_from_for_generation, publish_state, roster_counted_from, roster_coverage
from patrol.roster.generate import roster_generate
from tests.factories import GateFactory, SchoolFactory, StationFactory, make_user
from tests.patrol.factories import (
    DutyAssignmentFactory,
    DutyShiftFactory,
    DutyStaffFactory,
    PostFactory,
    TermFactory,
    local,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 18)  # a Wednesday
MONDAY = dt.date(2026, 11, 16)


@pytest.fixture
def today(monkeypatch):
    """Pin "today" for the counts, the generation and the dashboard (``timezone.localdate()``)."""
    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return TODAY if value is None else real(value, timezone)

    monkeypatch.setattr(timezone, "localdate", localdate)
    return TODAY


@pytest.fixture
def term_with_past(db):
    """Two empty police places in September (long past) and one next week, one filled today."""
    station = StationFactory()
    school = SchoolFactory(lat=36.18, lon=118.17)
    school.responsible_station = station
    school.save(update_fields=["responsible_station"])
    post = PostFactory(gate=GateFactory(school=school, lat=36.18, lon=118.17), requirements={"police": 1})
    term = TermFactory()
    past = [
        DutyShiftFactory(term=term, post=post, date=day, start=local(day, 7, 20), end=local(day, 8, 0))
        for day in (dt.date(2026, 9, 7), dt.date(2026, 9, 8))
    ]
    now = DutyShiftFactory(term=term, post=post, date=TODAY, start=local(TODAY, 7, 20), end=local(TODAY, 8, 0))
    nxt = MONDAY + dt.timedelta(days=7)
    later = DutyShiftFactory(term=term, post=post, date=nxt, start=local(nxt, 7, 20), end=local(nxt, 8, 0))
    officer = DutyStaffFactory(station=station, name="Officer Wu")
    DutyAssignmentFactory(shift=now, staff=officer, published=True)
    return {"term": term, "station": station, "past": past, "now": now, "later": later, "officer": officer}


def _roster(term, *, counted_from: str | None, from_date: str = "2026-09-01", generated: dt.date = TODAY, **kw):
    report = {"from_date": from_date}
    if counted_from:
        report["counted_from"] = counted_from
    return Roster.objects.create(
        term=term, report=report, generated_at=local(generated, 9), status=kw.get("status", Roster.Status.DRAFT)
    )


def test_places_before_the_roster_began_are_not_uncovered(term_with_past):
    term = term_with_past["term"]
    _roster(term, counted_from="2026-11-18")
    coverage = roster_coverage(term, today=TODAY)
    assert coverage.counted_from == TODAY
    assert (coverage.counted.slots, coverage.counted.filled, coverage.uncovered) == (2, 1, 1)
    assert (coverage.before.slots, coverage.before.filled, coverage.before.uncovered) == (2, 0, 2)


def test_without_a_roster_the_past_is_not_counted(term_with_past):
    assert roster_counted_from(term_with_past["term"], today=TODAY) == TODAY
    assert roster_coverage(term_with_past["term"], today=TODAY).uncovered == 1


def test_an_older_report_counts_from_its_first_day_or_its_generation_day_whichever_is_later(term_with_past):
    term = term_with_past["term"]
    _roster(term, counted_from=None, from_date="2026-09-01", generated=dt.date(2026, 10, 12))
    assert roster_counted_from(term, today=TODAY) == dt.date(2026, 10, 12)


def test_counted_from_keeps_the_earliest_day_across_replans():
    first = counted_from_for_generation(previous={}, from_date=dt.date(2026, 9, 1), today=dt.date(2026, 10, 12))
    assert first == dt.date(2026, 10, 12)  # planned from the term's start, but the past was past
    replan = counted_from_for_generation(
        previous={"counted_from": first.isoformat()}, from_date=dt.date(2026, 11, 18), today=dt.date(2026, 11, 18)
    )
    assert replan == dt.date(2026, 10, 12)
    broken = counted_from_for_generation(previous={"counted_from": "junk"}, from_date=TODAY, today=TODAY)
    assert broken == TODAY


def test_generation_stores_the_counted_from_day(term_with_past, today):
    scheduler = make_user(Role.BRIGADE_SCHEDULER, username="counts_sched")
    roster = roster_generate(term=term_with_past["term"], actor=scheduler, time_limit_s=2)
    assert roster.report["counted_from"] == TODAY.isoformat()
    # The September places were planned (the officer is free) but they are not what the counts speak of.
    assert roster_counted_from(term_with_past["term"]) == TODAY


def test_published_with_gaps_is_a_warning_that_says_how_many(term_with_past):
    term = term_with_past["term"]
    roster = _roster(term, counted_from="2026-11-18", status=Roster.Status.PUBLISHED)
    state = publish_state(roster, roster_coverage(term, today=TODAY))
    assert (state.key, state.level, state.uncovered) == ("published_gaps", "warn", 1)
    DutyAssignmentFactory(shift=term_with_past["later"], staff=term_with_past["officer"], published=True)
    state = publish_state(roster, roster_coverage(term, today=TODAY))
    assert (state.key, state.level, state.uncovered) == ("published", "ok", 0)
    assert publish_state(None, roster_coverage(term, today=TODAY)).key == "not_generated"


def test_home_and_term_pages_count_from_the_roster_start(client, term_with_past, today):
    term = term_with_past["term"]
    _roster(term, counted_from="2026-11-18", status=Roster.Status.PUBLISHED)
    client.force_login(make_user(Role.BRIGADE_SCHEDULER, username="counts_pages"))
    home = client.get(reverse("patrol:roster-home")).content.decode()
    assert '<span class="badge warn">Published</span>' in home
    assert "1 place uncovered" in home
    assert "counted from 2026-11-18; 2 earlier places not counted" in home
    page = client.get(reverse("patrol:roster-term", args=[term.pk])).content.decode()
    assert '<dd id="roster-uncovered"><span class="badge bad">1</span></dd>' in page
    assert "2 places, not counted as uncovered" in page
    assert "1 place uncovered" in page and "badge ok" not in page.split('id="roster-status"')[1][:200]


def test_export_lists_no_gaps_before_the_roster_start(client, term_with_past, today):
    term = term_with_past["term"]
    _roster(term, counted_from="2026-11-18")
    client.force_login(make_user(Role.BRIGADE_SCHEDULER, username="counts_export"))
    response = client.get(reverse("patrol:roster-export", args=[term.pk]) + "?type=xlsx")
    assert response.status_code == 200
    gaps = list(load_workbook(io.BytesIO(response.content)).worksheets[1].iter_rows(min_row=2, values_only=True))
    # Today's place is filled; September's two were never planned: next Monday's is the only gap.
    assert [row[0].date() for row in gaps] == [MONDAY + dt.timedelta(days=7)]


def _tiles(section) -> dict[str, Tile]:
    return {tile.key: tile for tile in section.tiles}


def test_dashboard_published_tile_counts_next_weeks_gaps_and_is_not_green(term_with_past, today):
    term = term_with_past["term"]
    _roster(term, counted_from="2026-11-18", status=Roster.Status.PUBLISHED)
    scheduler = make_user(Role.BRIGADE_SCHEDULER, username="counts_dash")
    tile = _tiles(duty_section(user=scheduler, now=local(TODAY, 12)))["next_week_roster"]
    assert (tile.value, tile.level, tile.note) == ("Published", "warn", "1 place uncovered")
    DutyAssignmentFactory(shift=term_with_past["later"], staff=term_with_past["officer"], published=True)
    tile = _tiles(duty_section(user=scheduler, now=local(TODAY, 12)))["next_week_roster"]
    assert (tile.value, tile.level, tile.note) == ("Published", "ok", "")
    assert DutyAssignment.objects.filter(published=False).count() == 0
