"""The 护学岗 section of the overview dashboard: today's board counts, own duties, swaps, roster gaps."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from common.roles import Role
from patrol.duty.dashboard import duty_section
from patrol.models import CheckIn, SwapRequest
from patrol.roster.services import roster_publish
from tests.factories import make_user
from tests.patrol.conftest import WEDNESDAY
from tests.patrol.factories import DutyAssignmentFactory, DutyShiftFactory, DutyStaffFactory, PostFactory, local
from tests.patrol.test_duty_helpers import DAY

pytestmark = pytest.mark.django_db

NOW = local(DAY, 7, 40)  # Monday, after the 07:20 windows' grace
NEXT_MONDAY = DAY + dt.timedelta(days=7)


def _tiles(section) -> dict:
    return {tile.key: tile for tile in section.tiles}


def _values(section, *keys) -> tuple:
    tiles = _tiles(section)
    return tuple(tiles[key].value for key in keys)


def _get_ok(user, url: str) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url


# --- who gets the section -------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.DRONE_OPERATOR, None])
def test_no_section_without_the_duty_capabilities(county, role):
    assert duty_section(user=make_user(role, username="nobody"), now=NOW) is None


def test_leadership_sees_county_counts_but_no_scheduler_or_personal_tiles(county):
    section = duty_section(user=make_user(Role.LEADERSHIP, username="leader"), now=NOW)
    assert section.key == "duty" and section.title == "Gate duty today"
    assert list(_tiles(section)) == ["uncovered_today", "checked_in", "late", "missing"]
    assert section.lines == [] and section.lines_title == ""


# --- today's counts and scoping --------------------------------------------------------------------


def test_county_counts_for_a_scheduler(county):
    section = duty_section(user=make_user(Role.BRIGADE_SCHEDULER, username="planner"), now=NOW)
    tiles = _tiles(section)
    assert _values(section, "uncovered_today", "checked_in", "late", "missing") == (1, 2, 1, 1)
    assert tiles["uncovered_today"].note == "of 4 places today"  # 1 + 1 + 2: the auxiliary place is open
    assert tiles["checked_in"].note == "of 3 people assigned"
    assert [tiles[k].level for k in ("uncovered_today", "checked_in", "late", "missing")] == [
        "warn",
        "ok",
        "warn",
        "alert",
    ]
    assert tiles["missing"].url == "/patrol/duty/board/?date=2026-09-07"


def test_nobody_is_missing_before_the_grace_has_passed(county):
    section = duty_section(user=make_user(Role.BRIGADE_SCHEDULER, username="planner"), now=local(DAY, 7, 25))
    assert _values(section, "missing") == (0,) and _tiles(section)["missing"].level == "ok"


def test_station_officer_sees_their_station_as_the_board_starts(county):
    section = duty_section(user=county.user, now=NOW)
    assert _values(section, "uncovered_today", "checked_in", "late", "missing") == (0, 2, 1, 0)
    assert _tiles(section)["uncovered_today"].note == "of 2 places today"


def test_school_staff_see_only_their_school(county):
    staff_b = make_user(Role.SCHOOL_STAFF, school=county.school_b, username="staff_b")
    section = duty_section(user=staff_b, now=NOW)
    assert _values(section, "uncovered_today", "checked_in", "late", "missing") == (1, 0, 0, 1)
    assert "swaps_for_me" not in _tiles(section)  # not linked to anyone who stands duty


def test_zero_counts_are_ok(county):
    quiet = make_user(Role.SCHOOL_STAFF, school=county.other_school, username="staff_quiet")
    section = duty_section(user=quiet, now=NOW)
    assert _values(section, "uncovered_today", "checked_in", "late", "missing") == (0, 0, 0, 0)
    assert {tile.level for tile in section.tiles} == {"ok"}


# --- one's own duties and swaps ----------------------------------------------------------------------


def test_officer_sees_own_duty_line_with_status(county):
    section = duty_section(user=county.user, now=NOW)
    assert section.lines_title == "My duties today"
    [line] = section.lines
    post = county.post
    assert line.text == f"Arrival until 08:00 · {county.school.name} · Main gate · {post.name}: Late"
    assert line.at == county.shift.start and line.level == "warn"
    assert line.url == "/patrol/duty/today/?date=2026-09-07"


def test_missed_own_duty_line_is_an_alert(county):
    CheckIn.objects.filter(assignment=county.assignment).delete()
    [line] = duty_section(user=county.user, now=NOW).lines
    assert line.text.endswith(": Missing") and line.level == "alert"


def test_school_guard_sees_own_duty_and_an_empty_day_says_so(county):
    [line] = duty_section(user=county.guard_user, now=NOW).lines
    assert line.text.endswith(": On duty") and line.level == "ok"
    tomorrow = duty_section(user=county.guard_user, now=local(DAY + dt.timedelta(days=1), 7, 0))
    assert tomorrow.lines == [] and tomorrow.lines_empty == "You have no duties on this day."


def test_swap_requests_waiting_for_my_answer(county):
    section = duty_section(user=county.user, now=NOW)
    assert _values(section, "swaps_for_me") == (0,) and _tiles(section)["swaps_for_me"].level == "ok"
    other = DutyStaffFactory(station=county.station, name="Officer Sun")
    wednesday_shift = county.post.shifts.get(date=WEDNESDAY)
    duty = DutyAssignmentFactory(shift=wednesday_shift, staff=other)
    SwapRequest.objects.create(assignment=duty, to_staff=county.staff)
    SwapRequest.objects.create(assignment=duty, to_staff=county.staff, status=SwapRequest.Status.REJECTED)
    tile = _tiles(duty_section(user=county.user, now=NOW))["swaps_for_me"]
    assert (tile.value, tile.level, tile.url) == (1, "warn", "/patrol/roster/swaps/")


# --- scheduler tiles ---------------------------------------------------------------------------------


def test_scheduler_sees_uncovered_places_from_today_to_sunday(county):
    scheduler = make_user(Role.BRIGADE_SCHEDULER, username="planner")
    tile = _tiles(duty_section(user=scheduler, now=NOW))["uncovered_week"]
    assert (tile.value, tile.level) == (2, "warn")  # school B's auxiliary today, post 1 on Wednesday
    assert tile.url == f"/patrol/roster/terms/{county.term.pk}/week/?week=2026-09-07"
    wednesday = duty_section(user=scheduler, now=local(WEDNESDAY, 7, 0))
    assert _values(wednesday, "uncovered_week") == (1,)


def test_next_week_roster_states(county):
    scheduler = make_user(Role.BRIGADE_SCHEDULER, username="planner")
    tile = _tiles(duty_section(user=scheduler, now=NOW))["next_week_roster"]
    assert (tile.value, tile.level) == ("No duty windows", "ok")

    shift = DutyShiftFactory(
        term=county.term, post=county.post, date=NEXT_MONDAY, start=local(NEXT_MONDAY, 7, 20),
        end=local(NEXT_MONDAY, 8, 0),
    )  # fmt: skip
    DutyAssignmentFactory(shift=shift, staff=county.staff)
    tile = _tiles(duty_section(user=scheduler, now=NOW))["next_week_roster"]
    assert (tile.value, tile.level, tile.note) == ("Unpublished", "warn", "1 duty not yet published")
    assert tile.url == f"/patrol/roster/terms/{county.term.pk}/"

    roster_publish(term=county.term, actor=scheduler)
    tile = _tiles(duty_section(user=scheduler, now=NOW))["next_week_roster"]
    assert (tile.value, tile.level, tile.note) == ("Published", "ok", "")


# --- links and cost ----------------------------------------------------------------------------------


def test_every_link_opens_for_the_user_it_is_shown_to(county):
    scheduler = make_user(Role.BRIGADE_SCHEDULER, username="planner")
    staff_b = make_user(Role.SCHOOL_STAFF, school=county.school_b, username="staff_b")
    for user in (scheduler, county.user, county.guard_user, staff_b):
        section = duty_section(user=user, now=NOW)
        urls = {section.url, *(t.url for t in section.tiles), *(line.url for line in section.lines)}
        assert "" not in urls
        for url in urls:
            _get_ok(user, url)


def test_query_count_is_bounded(county, django_assert_max_num_queries):
    DutyAssignmentFactory(shift=county.shift_b, staff=DutyStaffFactory(station=county.station, name="Extra"))
    for _n in range(3):
        PostFactory(gate=county.gate)
    for post in county.gate.posts.all():
        for day in (DAY, WEDNESDAY, NEXT_MONDAY):
            DutyShiftFactory(term=county.term, post=post, date=day, start=local(day, 16, 0), end=local(day, 16, 40))
    scheduler = make_user(Role.BRIGADE_SCHEDULER, username="planner")
    officer = county.user
    with django_assert_max_num_queries(12):
        duty_section(user=scheduler, now=NOW)
    with django_assert_max_num_queries(12):
        duty_section(user=officer, now=NOW)
