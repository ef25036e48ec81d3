"""The analysis page in headless Chromium: the hot-spot map loads its points from the API."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from common.roles import Role
from tests.browser.conftest import CHROMIUM, live_url, login, page  # noqa: F401 - fixtures
from tests.factories import GateFactory, SchoolFactory, UserFactory
from tests.incidents.factories import IncidentFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian package 'chromium')"),
]


def test_hotspot_map_shows_the_month_s_incidents(page, live_url, transactional_db):  # noqa: F811
    school = SchoolFactory(name="<b>Hill</b> school", lat=36.18, lon=118.17)
    gate = GateFactory(school=school, lat=36.181, lon=118.171)
    at = dt.datetime(2026, 10, 5, 7, 40, tzinfo=ZoneInfo("Asia/Shanghai"))
    IncidentFactory(school=school, created_at=at, occurred_at=at)
    IncidentFactory(school=school, gate=gate, created_at=at, occurred_at=at, severity="urgent")
    IncidentFactory(school=school, lat=36.19, lon=118.18, created_at=at, occurred_at=at)
    UserFactory(username="leader", password="pw-leader-1", roles=[Role.LEADERSHIP])
    login(page, live_url, "leader", "pw-leader-1")
    page.goto(f"{live_url}/incidents/analysis/?month=2026-10")
    page.wait_for_selector("#hotspot-map[data-incident-count]")
    assert page.get_attribute("#hotspot-map", "data-incident-count") == "3"
    assert page.get_attribute("#hotspot-map", "data-school-count") == "1"
    assert page.locator("svg.chart").count() == 4
    assert page.locator("b", has_text="Hill").count() == 0  # the name stays text
