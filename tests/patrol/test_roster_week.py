"""The roster week page in pages: one station or one school, one week or one day, a large station cut into
parts; what each page holds, how one moves between pages, and that it reads no geometry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patrol.models import DutyRole
from patrol.roster import week
from tests.factories import GateFactory, SchoolFactory, StationFactory, square
from tests.patrol.factories import DutyAssignmentFactory, DutyShiftFactory, DutyStaffFactory, PostFactory, local
from tests.patrol.test_roster_edits import MONDAY, rw  # noqa: F401 - the fixture

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def county(rw):  # noqa: F811
    """``rw`` (Hope Primary and River Middle of one station) plus Far Hill school of the Zeta station."""
    far = StationFactory(name="Zeta station", lat=37.0, lon=119.0, jurisdiction=square(37.0, 119.0, 0.1))
    far_school = SchoolFactory(name="Far Hill", lat=37.0, lon=119.0)
    assert far_school.responsible_station_id == far.pk
    far_post = PostFactory(gate=GateFactory(school=far_school, name="Hill gate", lat=37.0, lon=119.0),
                           name="Main", requirements={"police": 1})  # fmt: skip
    far_shift = DutyShiftFactory(term=rw["term"], post=far_post, date=MONDAY)
    far_police = DutyStaffFactory(name="Zhao Lei", role=DutyRole.POLICE, station=far)
    DutyAssignmentFactory(shift=far_shift, staff=far_police, role="police")
    DutyAssignmentFactory(shift=rw["shift_a"], staff=rw["li"], role="police", published=True)
    DutyAssignmentFactory(shift=rw["shift_b"], staff=rw["zhang"], role="police")
    return {**rw, "far": far, "far_school": far_school}


def _get(client, w, user="scheduler", **params):
    client.force_login(w["users"][user])
    url = reverse("patrol:roster-week", kwargs={"term_id": w["term"].pk})
    query = "&".join(f"{k}={v}" for k, v in {"week": MONDAY.isoformat(), **params}.items())
    response = client.get(f"{url}?{query}", **EN)
    assert response.status_code == 200
    return response.content.decode()


def _grid(body: str) -> str:
    """The grid of the page (the pickers name every school)."""
    return body.split('<table class="grid roster-grid">', 1)[1].split("</table>", 1)[0]


def test_a_station_page_holds_that_stations_schools_only(client, county):
    grid = _grid(_get(client, county, station=county["far"].pk))
    assert "Far Hill" in grid and "Zhao Lei" in grid
    assert "Hope Primary" not in grid and "River Middle" not in grid and "Li Wei" not in grid
    grid = _grid(_get(client, county, station=county["station"].pk))
    assert "Hope Primary" in grid and "River Middle" in grid and "Far Hill" not in grid


def test_without_a_choice_the_page_opens_on_the_first_station_and_links_the_next(client, county):
    body = _get(client, county)
    assert "Hope Primary" in _grid(body) and "Far Hill" not in _grid(body)
    assert f"station={county['far'].pk}" in body and "Zeta station →" in body


def test_a_station_officer_opens_on_their_own_station(client, county):
    county["users"]["officer"].officer.station = county["far"]
    county["users"]["officer"].officer.save()
    grid = _grid(_get(client, county, user="officer"))
    assert "Far Hill" in grid and "Hope Primary" not in grid


def test_a_school_page_holds_that_school_only(client, county):
    body = _get(client, county, school=county["school_b"].pk)
    grid = _grid(body)
    assert "River Middle" in grid and "Zhang Min" in grid
    assert "Hope Primary" not in grid and "Far Hill" not in grid and "1 shift on this page" in body


def test_a_day_page_holds_that_day_and_steps_by_day(client, county):
    tuesday = MONDAY + dt.timedelta(days=1)
    body = _get(client, county, day=tuesday.isoformat(), station=county["station"].pk)
    assert "1 shift on this page" in body and "Li Wei" not in body and "2 uncovered slots" in body
    assert f"day={MONDAY.isoformat()}" in body and f"day={(tuesday + dt.timedelta(days=1)).isoformat()}" in body
    assert f"week={MONDAY.isoformat()}" in body  # back to the whole week


def test_a_large_station_is_cut_into_parts_of_whole_schools(client, county, monkeypatch):
    monkeypatch.setattr(week, "PAGE_SHIFTS", 1)
    DutyShiftFactory(term=county["term"], post=county["shift_b"].post, date=MONDAY, start=local(MONDAY, 16, 0),
                     end=local(MONDAY, 16, 40), kind="dismissal")  # fmt: skip
    first = _get(client, county, station=county["station"].pk)
    assert "Hope Primary" in _grid(first) and "River Middle" not in _grid(first) and "part 2" in first
    second = _get(client, county, station=county["station"].pk, part=2)
    assert "River Middle" in _grid(second) and "Hope Primary" not in _grid(second)
    assert "2 shifts on this page" in second
    assert "part=2" in second.split('rel="next"')[0].rsplit("<a", 1)[1]  # the next week keeps the part


def test_school_staff_get_their_school_whatever_station_they_ask_for(client, county):
    body = _get(client, county, user="staff", station=county["far"].pk)
    assert "Hope Primary" in _grid(body) and "Far Hill" not in body and "River Middle" not in body


def test_the_grid_reads_no_geometry_and_a_fixed_number_of_queries(county):
    with CaptureQueriesContext(connection) as queries:
        grid = week.roster_grid(
            user=county["users"]["scheduler"],
            term=county["term"],
            first=MONDAY,
            last=MONDAY + dt.timedelta(days=6),
            station_id=county["station"].pk,
        )
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert len(queries.captured_queries) <= 3  # the user's roles, the shifts, their people
    assert '"campus"' not in sql and "jurisdiction" not in sql and "boundary" not in sql
    assert [row.school for row in grid.rows] == ["Hope Primary", "River Middle"]
    assert grid.shifts == 3 and grid.uncovered == 3
