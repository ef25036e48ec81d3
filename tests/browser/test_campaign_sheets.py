"""The day sheet and the flight applications in headless Chromium, on a phone (390 px) and a desktop (1280 px),
in Chinese and English: the pilot's sheet with its map of launch points, printed without the menu; "fly this
sortie" to the flight page; tomorrow's applications submitted, approved with a reference and refused with a
reason. No policy violation, no sideways scrolling."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from campaigns.models import FlightApplication
from common.roles import Role
from drones.models import ControlLock, Pilot
from tests.browser.pages import fits
from tests.campaigns import builders
from tests.campaigns.matrix_sheets import sortie_on
from tests.factories import make_user

PASSWORD = "campaign-2026-sheets"
WORDS = {
    "zh-hans": {"sheet": "的当日任务单", "fly": "执飞此架次", "applications": "飞行计划申请", "approved": "已批准"},
    "en": {
        "sheet": "Day sheet of",
        "fly": "Fly this sortie",
        "applications": "Flight applications",
        "approved": "Approved",
    },
}


@pytest.fixture
def world(transactional_db):
    user = make_user(Role.DRONE_OPERATOR, username="sheet-pilot", first_name="李", last_name="飞")
    user.set_password(PASSWORD)
    user.save()
    pilot = Pilot.objects.create(user=user, licence_no="UAS-LI-01", licence_expiry=dt.date(2030, 1, 1))
    drone = builders.drone("喊话一号", model_name="DJI M30T")
    now = timezone.now()
    ControlLock.objects.create(drone=drone, holder=user, acquired_at=now, renewed_at=now)
    today = timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    campaign = builders.campaign(name="反诈宣传进大集（样例）", start=today, end=tomorrow)
    market = builders.market("王庄大集")
    flying = sortie_on(today, pilot=pilot, drone=drone, campaign=campaign, market=market, hour=9,
                       application="approved", reference="民航审-2026-31")  # fmt: skip
    sortie_on(today, pilot=pilot, drone=drone, campaign=campaign, market=builders.market("李家庄大集"), hour=14)
    first = sortie_on(tomorrow, pilot=pilot, drone=drone, campaign=campaign, market=market, hour=8)
    second = sortie_on(tomorrow, pilot=pilot, drone=drone, campaign=campaign, market=market, hour=11)
    return {"user": user, "pilot": pilot, "flying": flying, "tomorrow": tomorrow, "first": first, "second": second}


@pytest.fixture
def browser(signed_in):
    """``browser(width, language)``: a page signed in as the test's user."""
    return lambda width, language: signed_in("sheet-pilot", PASSWORD, width, language)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("width", [390, 1280])
def test_the_sheet_and_the_applications_fit_and_speak_the_language(browser, live_url, world, width, language, tmp_path):
    page = browser(width, language)
    words = WORDS[language]
    page.goto(f"{live_url}/campaigns/sheets/")
    assert words["sheet"] in page.inner_text("h1") and fits(page)
    assert page.locator("#sheet-sorties tbody tr").count() == 2
    assert "王庄大集" in page.inner_text("#sheet-sorties") and "民航审-2026-31" in page.inner_text("#sheet-sorties")
    page.wait_for_selector("#sheet-map .leaflet-interactive")
    assert page.locator("#sheet-map path.leaflet-interactive").count() >= 2  # a marker per launch point
    assert page.locator(".fly-sortie").count() == 2 and page.inner_text(".fly-sortie >> nth=0") == words["fly"]
    assert page.locator("#sheet-calendar input.calendar-url").input_value().endswith(".ics")
    page.screenshot(path=str(tmp_path / f"sheet-{language}-{width}.png"), full_page=True)

    page.emulate_media(media="print")
    assert not page.is_visible("header.topbar") and not page.is_visible("#sheet-filters")
    assert page.is_visible("#sheet-sorties")
    page.emulate_media(media="screen")

    page.goto(f"{live_url}/campaigns/applications/")
    assert page.inner_text("h1").startswith(words["applications"]) and fits(page)
    assert page.locator("#applications tbody tr").count() == 2
    assert "DJI M30T" in page.inner_text("#applications") and "UAS-LI-01" in page.inner_text("#applications")
    page.screenshot(path=str(tmp_path / f"applications-{language}-{width}.png"), full_page=True)
    assert not page.refusals, page.refusals


def test_the_pilot_files_tomorrow_and_flies_today_from_the_pages(browser, live_url, world):
    page = browser(390, "zh-hans")
    page.goto(f"{live_url}/campaigns/applications/")
    page.click("#submit-day")
    page.wait_for_selector(".messages .msg-success")
    assert set(FlightApplication.objects.filter(sortie__occurrence__date=world["tomorrow"]).values_list(
        "status", flat=True)) == {"submitted"}  # fmt: skip
    first_row = f"#applications tr[data-sortie='{world['first'].pk}']"
    page.click(f"{first_row} .approve-one")  # no reference: the browser asks for it, nothing is sent
    assert page.locator(".messages .msg-success").count() == 1
    page.fill(f"{first_row} input[name=reference]", "民航审-2026-32")
    page.click(f"{first_row} .approve-one")
    page.wait_for_selector(f"{first_row}[data-status='approved']")
    second_row = f"#applications tr[data-sortie='{world['second'].pk}']"
    page.fill(f"{second_row} input[name=reason]", "临时禁飞")
    page.click(f"{second_row} .refuse-one")
    page.wait_for_selector(f"{second_row}[data-status='refused']")
    assert "临时禁飞" in page.inner_text(second_row) and "民航审-2026-32" in page.inner_text(first_row)
    assert fits(page)

    page.goto(f"{live_url}/campaigns/sheets/")
    page.click(f"tr[data-sortie='{world['flying'].pk}'] .fly-sortie")
    page.wait_for_url("**/drones/flights/*/")
    world["flying"].refresh_from_db()
    assert page.url.endswith(f"/drones/flights/{world['flying'].flight_id}/")
    page.goto(f"{live_url}/campaigns/sheets/")
    unapproved = [row for row in page.locator("#sheet-sorties tbody tr").all() if "李家庄大集" in row.inner_text()][0]
    unapproved.locator(".fly-sortie").click()
    page.wait_for_selector(".messages .msg-error")
    assert "尚未提交" in page.inner_text(".messages .msg-error") and fits(page)
    assert not page.refusals, page.refusals
