"""A user logs in and sees the school map with every school on it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from campus.models import LiaisonAssignment
from common.roles import Role
from tests.browser.conftest import login
from tests.factories import OfficerFactory, SchoolFactory, StationFactory, UserFactory, square


@pytest.fixture
def county(transactional_db):
    station = StationFactory(name="城关派出所", jurisdiction=square(36.18, 118.17, 0.1))
    schools = [SchoolFactory(lat=36.18 + i * 0.01, lon=118.17) for i in range(3)]
    officer = OfficerFactory(station=station, name="张警官")
    LiaisonAssignment.objects.create(
        school=schools[0], officer=officer, station_at_start=station, started_at=timezone.now()
    )
    UserFactory(username="sched", password="pw-sched-1", roles=[Role.BRIGADE_SCHEDULER])
    return schools


def test_scheduler_logs_in_and_sees_schools_on_the_map(page, live_url, county, tmp_path):
    login(page, live_url, "sched", "pw-sched-1")
    assert page.get_attribute("html", "lang") == "zh-hans"
    page.click("nav.mainnav >> text=地图")
    page.wait_for_selector("#map[data-school-count]")
    assert page.get_attribute("#map", "data-school-count") == "3"
    assert page.locator(".leaflet-container").count() == 1
    legend = page.locator("#legend li").all_inner_texts()
    assert any("(1)" in item for item in legend) and any("(2)" in item for item in legend)
    # Open the popup of the covered school through the search box and see its liaison officer.
    page.fill("#school-search", county[0].name)
    page.dispatch_event("#school-search", "change")
    popup = page.wait_for_selector(".leaflet-popup-content")
    assert "张警官" in popup.inner_text()
    page.screenshot(path=str(tmp_path / "map.png"))


def test_anonymous_user_is_sent_to_login(page, live_url):
    page.goto(f"{live_url}/campus/map/")
    assert "/accounts/login/" in page.url
