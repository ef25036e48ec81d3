"""The overview dashboard: sections per role on the home page and at /api/dashboard/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from common.dashboard import Line, Section, Tile, dashboard_for, level_if, section_as_dict
from common.roles import Role
from common.templatetags.dashboard_tags import dashboard_when
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def keys(user) -> list[str]:
    return [s.key for s in dashboard_for(user)]


def test_each_role_sees_the_areas_it_may_see(county, admin_user, scheduler, leader):
    staff = make_user(Role.SCHOOL_STAFF, school=county["school"])
    officer = make_user(Role.STATION_OFFICER, officer=county["officer"])
    pilot = make_user(Role.DRONE_OPERATOR)
    assert keys(admin_user) == ["liaison", "duty", "incidents", "drills", "drones", "campaigns"]
    assert keys(leader) == ["liaison", "duty", "incidents", "drills", "drones", "campaigns"]
    assert "drones" not in keys(scheduler) and "liaison" in keys(scheduler)
    assert "liaison" in keys(officer) and "drones" not in keys(officer)
    assert "liaison" not in keys(staff) and "drones" not in keys(staff) and "incidents" in keys(staff)
    assert keys(pilot) == ["drones", "campaigns"]


def test_zero_is_never_a_warning():
    assert level_if(0, "alert") == "ok" and level_if(3, "alert") == "alert" and level_if(1) == "warn"


def test_sections_serialise_dates_as_iso_strings():
    at = dt.datetime(2026, 12, 7, 7, 30, tzinfo=dt.UTC)
    section = Section(
        key="x", title="X", tiles=[Tile(key="t", label="T", value=1)], lines=[Line(text="a", at=at), Line(text="b")]
    )
    data = section_as_dict(section)
    assert [line["at"] for line in data["lines"]] == ["2026-12-07T07:30:00+00:00", None]
    assert data["tiles"][0] == {"key": "t", "label": "T", "value": 1, "url": "", "level": "ok", "note": ""}


def test_times_today_show_the_clock_and_other_days_the_date():
    now = timezone.localtime()
    assert dashboard_when(now.replace(hour=7, minute=5)) == "07:05"
    assert dashboard_when(now - dt.timedelta(days=3)) == (now - dt.timedelta(days=3)).strftime("%m-%d %H:%M")
    assert dashboard_when(dt.date(2026, 3, 9)) == "03-09"
    assert dashboard_when(None) == ""


def test_home_page_shows_the_tiles_with_their_levels(county, scheduler):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(scheduler)
    html = client.get(reverse("home")).content.decode()
    assert 'id="dash-liaison"' in html and 'id="dash-duty"' in html
    assert 'class="tile alert" data-key="uncovered"' in html  # North Middle has no liaison
    assert 'id="dash-drones"' not in html


def test_home_page_lists_an_officers_schools(county):
    user = make_user(Role.STATION_OFFICER, officer=county["officer"])
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    html = client.get(reverse("home")).content.decode()
    assert "My schools (一校一警)" in html and "North Primary" in html


def test_home_page_is_chinese_by_default(county, scheduler):
    client = Client()
    client.force_login(scheduler)
    html = client.get(reverse("home")).content.decode()
    assert "一校一警" in html and "未落实挂包民警的学校" in html


def test_api_returns_the_same_sections_for_the_user(county, scheduler):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(scheduler)
    data = client.get(reverse("api_dashboard")).json()
    assert [s["key"] for s in data["sections"]] == keys(scheduler)
    liaison = data["sections"][0]
    uncovered = next(t for t in liaison["tiles"] if t["key"] == "uncovered")
    assert uncovered["value"] == 1 and uncovered["level"] == "alert"
    assert data["generated_at"]


def test_api_needs_a_login():
    assert Client().get(reverse("api_dashboard")).status_code in (401, 403)
