"""The duty board in headless Chromium, on a phone (390 px, Chinese) and a desktop (1280 px, English): it
opens on one station (the first by name for a scheduler) with the county's counts in one line, goes live
over the websocket, shows an officer's check-in from their phone without a reload, and the station picker
opens another station's page. No policy violation, no sideways scrolling of the page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from common.roles import Role
from patrol.models import DutyRole
from tests.browser.pages import fits
from tests.factories import GateFactory, SchoolFactory, StationFactory, make_user, square
from tests.patrol.factories import DutyAssignmentFactory, DutyShiftFactory, DutyStaffFactory, PostFactory, TermFactory

WORDS = {"zh-hans": {"live": "实时", "county": "全县"}, "en": {"live": "live", "county": "County-wide"}}


@pytest.fixture
def board(county):
    """A window opening in 20 minutes at the main gate of each of ``county``'s three schools (城关派出所),
    张警官 (with a login and a duty record) on the first, and a far station's school with its own."""
    start = timezone.now() + dt.timedelta(minutes=20)
    day = timezone.localdate(start)
    term = TermFactory(start_date=day - dt.timedelta(days=30), end_date=day + dt.timedelta(days=30))
    far = StationFactory(name="远山派出所", lat=37.0, lon=119.0, jurisdiction=square(37.0, 119.0, 0.1))
    far_school = SchoolFactory(name="远山小学", lat=37.0, lon=119.0)
    shifts = []
    for school in (county["covered"], county["school1"], county["school2"], far_school):
        gate = GateFactory(school=school, name="正门", lat=school.lat, lon=school.lon)
        post = PostFactory(gate=gate, name="路口", requirements={"police": 1})
        shifts.append(DutyShiftFactory(term=term, post=post, date=day, start=start,
                                       end=start + dt.timedelta(minutes=40), requirements={"police": 1}))  # fmt: skip
    officer_user = make_user(Role.STATION_OFFICER, officer=county["officer"], username="zhang", password="pw-zhang-1")
    staff = DutyStaffFactory(name="张警官", role=DutyRole.POLICE, station=county["station"], user=officer_user)
    DutyAssignmentFactory(shift=shifts[0], staff=staff, role=DutyRole.POLICE)
    DutyAssignmentFactory(shift=shifts[3], staff=DutyStaffFactory(name="赵远", station=far), role=DutyRole.POLICE)
    return {"day": day, "shifts": shifts, "far": far, "gate": (county["covered"].lat, county["covered"].lon)}


@pytest.mark.parametrize(("width", "language"), [(390, "zh-hans"), (1280, "en")])
def test_one_station_live_and_the_picker(signed_in, live_url, county, board, width, language, tmp_path):
    words = WORDS[language]
    url = f"{live_url}{reverse('patrol:duty-board')}?date={board['day'].isoformat()}"
    page = signed_in("sched", "pw-sched-1", width, language)
    page.goto(url)
    page.wait_for_selector("#socket-state.ok")
    assert words["live"] in page.inner_text("#socket-state")
    assert "城关派出所" in page.inner_text("#board-title")
    assert page.locator("#board-rows tr").count() == 3
    rows = page.inner_text("#board-rows")
    assert "远山小学" not in rows and "张警官" in rows
    county_line = page.inner_text("#board-county")
    assert words["county"] in county_line and "4" in county_line
    assert fits(page), "the board scrolls sideways"
    page.screenshot(path=str(tmp_path / f"board-{language}-{width}.png"), full_page=True)

    # 张警官 checks in at the gate from a phone; the board shows it without a reload.
    phone = signed_in("zhang", "pw-zhang-1", 390, language)
    phone.context.grant_permissions(["geolocation"], origin=live_url)
    lat, lon = board["gate"]
    phone.context.set_geolocation({"latitude": lat, "longitude": lon, "accuracy": 10})
    phone.goto(f"{live_url}{reverse('patrol:duty-today')}?date={board['day'].isoformat()}")
    with phone.expect_navigation():
        phone.click("form.geo-form button[type=submit]")
    first = board["shifts"][0].pk
    page.wait_for_selector(f'#board-rows tr[data-shift="{first}"] .people .st-on_duty')
    assert page.locator(f'#board-rows tr[data-shift="{first}"]').get_attribute("class") == "row-on_duty"
    assert fits(page)

    # The picker opens the far station's page: its post alone.
    with page.expect_navigation():
        page.select_option("#station-filter", str(board["far"].pk))
    assert "远山派出所" in page.inner_text("#board-title")
    page.wait_for_selector("#socket-state.ok")
    assert page.locator("#board-rows tr").count() == 1 and "远山小学" in page.inner_text("#board-rows")
    assert fits(page)
    assert page.refusals == [] and phone.refusals == []
