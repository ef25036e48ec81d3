"""The duty board page shows one station at a time: the user's own, else the first with posts that day; a
station picker with each station's posts; the county's counts in one line; school staff their school."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campus.models import School, Station
from common.roles import Role
from patrol.duty import selectors
from patrol.models import DutyRole, DutyShift
from tests.factories import GateFactory, OfficerFactory, SchoolFactory, make_user
from tests.patrol.factories import DutyAssignmentFactory, DutyShiftFactory, DutyStaffFactory, PostFactory, local
from tests.patrol.test_dashboard_counts import NOW
from tests.patrol.test_duty_helpers import DAY, GATE_LAT, GATE_LON

pytestmark = pytest.mark.django_db

URL = reverse("patrol:duty-board")


@pytest.fixture
def board_day(county):
    """``county`` with its stations named so that station A comes first, and a school no station is
    responsible for with one post that day."""
    Station.objects.filter(pk=county.station.pk).update(name="A 城关派出所")
    Station.objects.filter(pk=county.school_b.responsible_station_id).update(name="B 远山派出所")
    county.station_b = Station.objects.get(pk=county.school_b.responsible_station_id)
    lone = SchoolFactory(name="无所属学校", lat=GATE_LAT + 0.02, lon=GATE_LON)
    School.objects.filter(pk=lone.pk).update(responsible_station=None)  # not assigned by place: no station
    post = PostFactory(gate=GateFactory(school=lone, lat=GATE_LAT + 0.02, lon=GATE_LON), name="Lone post",
                       requirements={"guard": 1})  # fmt: skip
    county.lone_shift = DutyShiftFactory(term=county.term, post=post, date=DAY, start=local(DAY, 7, 20),
                                         end=local(DAY, 8, 0))  # fmt: skip
    return county


def _get(client, user, **params):
    client.force_login(user)
    response = client.get(URL, {"date": DAY.isoformat(), **params}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response


def _school_a(day) -> set[int]:
    """The posts of school A (station A) that day: the officer's and the guard's."""
    return set(DutyShift.objects.filter(date=DAY, post__gate__school=day.school).values_list("pk", flat=True))


def _shown(response) -> set[int]:
    return {row["id"] for row, _label in response.context["rows"]}


def test_a_scheduler_opens_on_the_first_station_with_posts_not_the_county(client, board_day):
    scheduler = make_user(Role.BRIGADE_SCHEDULER, username="planner")
    response = _get(client, scheduler)
    assert response.context["station_id"] == board_day.station.pk
    assert _shown(response) == _school_a(board_day)
    text = response.content.decode()
    assert "Officer Zhao" not in text and "Lone post" not in text  # other stations' posts are not sent
    # The picker: every station with its posts that day, the schools without a station last.
    assert response.context["stations"] == [
        (board_day.station.pk, "A 城关派出所", 2),
        (board_day.station_b.pk, "B 远山派出所", 1),
        (selectors.NO_STATION, "Schools without a station", 1),
    ]
    assert 'id="station-filter"' in text and "B 远山派出所 (1)" in text
    assert "whole county" not in text


def test_the_county_line_counts_every_station(client, board_day):
    scheduler = make_user(Role.BRIGADE_SCHEDULER, username="planner")
    response = _get(client, scheduler)
    county = response.context["county"]
    assert county == selectors.day_counts(user=scheduler, date=DAY, now=response.context["now"])
    assert response.context["county_posts"] == 4
    # School A: police (late) and guard; school B: one police of police + auxiliary; the lone post: nobody.
    assert (county.places, county.uncovered, county.people, county.checked_in) == (5, 2, 3, 2)
    assert 'id="board-county"' in response.content.decode()


def test_a_station_officer_opens_on_their_station(client, board_day):
    officer = OfficerFactory(station=board_day.station_b)
    user = make_user(Role.STATION_OFFICER, officer=officer, username="liaison_b")
    response = _get(client, user)
    assert response.context["station_id"] == board_day.station_b.pk
    assert _shown(response) == {board_day.shift_b.pk}
    assert "Officer Zhao" in response.content.decode()


def test_the_picker_chooses_any_station_and_the_schools_without_one(client, board_day):
    scheduler = make_user(Role.BRIGADE_SCHEDULER, username="planner")
    assert _shown(_get(client, scheduler, station=board_day.station_b.pk)) == {board_day.shift_b.pk}
    assert _shown(_get(client, scheduler, station=selectors.NO_STATION)) == {board_day.lone_shift.pk}
    # An unknown or malformed station is the default page, never the whole county.
    for value in ("999999", "abc", ""):
        assert _get(client, scheduler, station=value).context["station_id"] == board_day.station.pk
    # The live page reloads the same station's snapshot, the schools without a station included.
    data = client.get(reverse("patrol_api:duty-board"), {"date": DAY.isoformat(), "station": "0"}).json()
    assert data["station"] == selectors.NO_STATION and [s["id"] for s in data["shifts"]] == [board_day.lone_shift.pk]


def test_no_station_option_when_every_post_has_a_station(client, county):
    response = _get(client, make_user(Role.BRIGADE_SCHEDULER, username="planner"))
    assert [pk for pk, _name, _posts in response.context["stations"]] == sorted(
        Station.objects.values_list("pk", flat=True), key=lambda pk: Station.objects.get(pk=pk).name
    )


def test_school_staff_see_their_school_without_picker_or_county_line(client, board_day):
    response = _get(client, board_day.guard_user, station=board_day.station_b.pk)
    assert response.context["station_id"] is None and response.context["county"] is None
    assert _shown(response) == _school_a(board_day)
    text = response.content.decode()
    assert 'id="station-filter"' not in text and 'id="board-county"' not in text


def test_queries_do_not_grow_with_the_other_stations_posts(client, board_day):
    scheduler = make_user(Role.BRIGADE_SCHEDULER, username="planner")
    client.force_login(scheduler)

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL, {"date": DAY.isoformat()}).status_code == 200
        return len(ctx)

    before = count()
    gate_b = board_day.shift_b.post.gate
    for n in range(15):
        shift = DutyShiftFactory(term=board_day.term, post=PostFactory(gate=gate_b, name=f"B post {n}"), date=DAY,
                                 start=local(DAY, 7, 20), end=local(DAY, 8, 0))  # fmt: skip
        DutyAssignmentFactory(shift=shift, staff=DutyStaffFactory(station=board_day.station_b, name=f"B {n}"),
                              role=DutyRole.POLICE)  # fmt: skip
    assert count() == before
    response = client.get(URL, {"date": DAY.isoformat()})
    assert "B post" not in response.content.decode() and response.context["county_posts"] == 19


def test_the_overview_duty_section_links_the_board_of_the_same_station(client, board_day):
    """The overview's tiles count the station the board opens on."""
    from patrol.duty.dashboard import duty_section

    section = duty_section(user=board_day.user, now=NOW)
    assert section.url.startswith(URL)
    response = _get(client, board_day.user)
    assert response.context["station_id"] == selectors.board_station_default(board_day.user) == board_day.station.pk
