"""The incident reports section of the overview dashboard: counts per role and scope, levels, links."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from common.roles import Role
from incidents import selectors
from incidents.dashboard import incidents_section
from incidents.filters import InboxFilterSet
from tests.factories import make_user
from tests.incidents.conftest import T0
from tests.incidents.factories import FollowUpFactory, RectificationFactory

NOW = T0 + dt.timedelta(days=2)

pytestmark = pytest.mark.usefixtures("deadlines")


def ago(**kwargs) -> dt.datetime:
    return NOW - dt.timedelta(**kwargs)


@pytest.fixture
def reports(county):
    """At ``county.station``'s school: an urgent one escalated and late to acknowledge, a medium one just in,
    one resolved; at ``school_b``: a high one acknowledged (after escalation) but past its resolution deadline,
    one closed."""
    return {
        "urgent": county.incident(severity="urgent", created_at=ago(minutes=20), escalation=1),
        "fresh": county.incident(severity="medium", created_at=ago(minutes=10)),
        "resolved": county.incident(severity="low", status="resolved", created_at=ago(days=1)),
        "late_b": county.incident(
            school=county.school_b,
            station=county.station_b,
            liaison_officer=county.other,
            reporter=county.staff_b,
            severity="high",
            status="acknowledged",
            created_at=ago(hours=30),
            escalation=1,  # escalated before it was acknowledged: no longer waiting
        ),
        "closed_b": county.incident(
            school=county.school_b, station=county.station_b, reporter=county.staff_b, status="closed"
        ),
    }


def fresh(user):
    """The user as a request would load it, without cached roles or school."""
    return get_user_model().objects.get(pk=user.pk)


def tiles(section) -> dict:
    return {tile.key: tile for tile in section.tiles}


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


@pytest.mark.parametrize("role", [Role.DRONE_OPERATOR, None])
def test_no_section_without_view_incidents(db, role):
    assert incidents_section(user=make_user(role), now=NOW) is None


def test_bureau_counts_every_open_report_with_urgent_overdue_and_escalated(county, reports):
    section = incidents_section(user=fresh(county.scheduler), now=NOW)
    assert (section.key, section.url) == ("incidents", reverse("incidents:handle-inbox"))
    got = tiles(section)
    assert got["open"].value == 3
    assert (got["unacknowledged"].value, got["unacknowledged"].level) == (2, "alert")
    assert got["unacknowledged"].note == "1 urgent"
    assert (got["overdue"].value, got["overdue"].level, got["overdue"].note) == (
        2,
        "warn",
        "1 not acknowledged in time",
    )
    assert (got["escalated"].value, got["escalated"].level) == (1, "alert")


@pytest.mark.parametrize("who", ["admin", "desk_user", "other_user"])
def test_inbox_tiles_link_to_filters_that_list_exactly_the_counted_reports(county, reports, who):
    user = fresh(getattr(county, who))
    got = tiles(incidents_section(user=user, now=NOW))
    for key in ("open", "unacknowledged", "overdue", "escalated"):
        params = QueryDict(urlsplit(got[key].url).query)
        listed = InboxFilterSet(params, selectors.incidents_inbox(user), now=NOW).qs
        assert listed.count() == got[key].value, key
    assert query_of(got["escalated"].url) == {"status": ["reported"], "escalated": ["1"]}


def test_station_officer_counts_only_their_station_and_schools(county, reports):
    mine = tiles(incidents_section(user=fresh(county.desk_user), now=NOW))
    assert (mine["open"].value, mine["unacknowledged"].value, mine["overdue"].value) == (2, 2, 1)
    assert mine["escalated"].value == 1
    other = tiles(incidents_section(user=fresh(county.other_user), now=NOW))
    assert (other["open"].value, other["unacknowledged"].value, other["overdue"].value) == (1, 0, 1)
    assert (other["unacknowledged"].level, other["escalated"].level) == ("ok", "ok")


def test_nothing_to_count_is_ok_everywhere(county):
    section = incidents_section(user=fresh(county.admin), now=NOW)
    assert {tile.key: (tile.value, tile.level, tile.note) for tile in section.tiles} == {
        key: (0, "ok", "") for key in ("open", "unacknowledged", "overdue", "escalated", "follow_ups", "rectifications")
    }
    assert section.lines == []


def test_follow_ups_only_for_bureau_callers_and_late_ones_warn(county):
    FollowUpFactory(incident=county.incident(status="resolved"), due_at=ago(hours=1))
    FollowUpFactory(incident=county.incident(status="resolved"), due_at=NOW + dt.timedelta(hours=5))
    FollowUpFactory(incident=county.incident(status="closed"), due_at=ago(hours=9), status="done",
                    satisfaction="satisfied")  # fmt: skip
    tile = tiles(incidents_section(user=fresh(county.scheduler), now=NOW))["follow_ups"]
    assert (tile.value, tile.level, tile.note) == (2, "warn", "1 overdue")
    assert tile.url == reverse("incidents:handle-follow-ups")
    for user in (county.leader, county.desk_user):
        assert "follow_ups" not in tiles(incidents_section(user=fresh(user), now=NOW))


def test_rectifications_all_for_the_bureau_and_own_station_for_an_officer(county):
    today = timezone.localdate(NOW)
    RectificationFactory(incident=county.incident(status="closed"), due_date=today - dt.timedelta(days=1))
    RectificationFactory(incident=county.incident(status="closed"), due_date=today)
    RectificationFactory(incident=county.incident(status="closed"), due_date=today, status="cleared")
    other = county.incident(school=county.school_b, station=county.station_b, status="closed")
    RectificationFactory(incident=other, due_date=today + dt.timedelta(days=3))
    bureau = tiles(incidents_section(user=fresh(county.leader), now=NOW))["rectifications"]
    assert (bureau.value, bureau.level, bureau.note) == (3, "warn", "1 overdue")
    assert bureau.url == reverse("incidents:handle-rectifications")
    theirs = tiles(incidents_section(user=fresh(county.other_user), now=NOW))["rectifications"]
    assert (theirs.value, theirs.level) == (1, "ok")
    assert query_of(theirs.url) == {"station": [str(county.station_b.pk)]}


def test_school_staff_see_their_school_and_their_own_follow_ups(county, reports):
    FollowUpFactory(incident=reports["resolved"], due_at=ago(hours=1))
    section = incidents_section(user=fresh(county.staff), now=NOW)
    assert section.url == reverse("incidents:report-mine")
    got = tiles(section)
    assert set(got) == {"school_open", "unacknowledged", "follow_ups", "report_new"}
    assert got["school_open"].value == 2
    assert (got["unacknowledged"].value, got["unacknowledged"].level) == (2, "warn")
    assert got["unacknowledged"].note == "1 not acknowledged in time"
    assert (got["follow_ups"].value, got["follow_ups"].level) == (1, "warn")
    assert got["report_new"].url == reverse("incidents:report-new")
    other = tiles(incidents_section(user=fresh(county.staff_b), now=NOW))
    assert (other["school_open"].value, other["unacknowledged"].value, other["follow_ups"].value) == (1, 0, 0)


def test_school_follow_ups_count_only_reports_the_user_made(county):
    colleague = make_user(Role.SCHOOL_STAFF, school=county.school, username="colleague")
    FollowUpFactory(incident=county.incident(status="resolved", reporter=colleague), due_at=ago(hours=1))
    assert tiles(incidents_section(user=fresh(county.staff), now=NOW))["follow_ups"].value == 0
    assert tiles(incidents_section(user=fresh(colleague), now=NOW))["follow_ups"].value == 1


def test_lines_are_the_newest_open_reports_in_scope_linking_to_each(county, reports):
    lines = incidents_section(user=fresh(county.desk_user), now=NOW).lines
    assert [line.url for line in lines] == [
        reverse("incidents:handle-detail", kwargs={"pk": reports[key].pk}) for key in ("fresh", "urgent")
    ]
    assert (
        lines[0].text == f"{reports['fresh'].reference} · {county.school.name} · Suspicious person · 10\xa0minutes ago"
    )
    assert (lines[0].level, lines[1].level) == ("warn", "alert")
    assert lines[1].at == reports["urgent"].created_at
    staff_lines = incidents_section(user=fresh(county.staff), now=NOW).lines
    assert staff_lines[0].url == reverse("incidents:report-done", kwargs={"pk": reports["fresh"].pk})


def test_lines_stop_at_five(county):
    for minutes in range(7):
        county.incident(created_at=ago(minutes=minutes))
    assert len(incidents_section(user=fresh(county.admin), now=NOW).lines) == 5


@pytest.mark.parametrize("who", ["admin", "scheduler", "leader", "desk_user", "other_user", "staff"])
def test_every_link_opens_for_the_user(county, reports, who):
    FollowUpFactory(incident=reports["resolved"], due_at=ago(hours=1))
    RectificationFactory(incident=reports["closed_b"], due_date=timezone.localdate(NOW))
    user = getattr(county, who)
    section = incidents_section(user=fresh(user), now=NOW)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    urls = [section.url, *(tile.url for tile in section.tiles), *(line.url for line in section.lines)]
    assert section.lines
    for url in urls:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(("who", "most"), [("admin", 5), ("desk_user", 6), ("staff", 5)])
def test_queries_do_not_grow_with_reports(county, reports, who, most, django_assert_max_num_queries):
    for _ in range(10):
        FollowUpFactory(incident=county.incident(status="resolved"), due_at=ago(hours=1))
        RectificationFactory(incident=county.incident(status="closed"))
        county.incident(severity="urgent", created_at=ago(minutes=30))
    user = fresh(getattr(county, who))
    with django_assert_max_num_queries(most):
        section = incidents_section(user=user, now=NOW)
    assert len(section.lines) == 5
