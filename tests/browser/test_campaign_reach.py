"""The reach pages in headless Chromium, on a phone (390 px) and a desktop (1280 px), in Chinese and English:
the campaign's reach (chart drawn with the vendored Chart.js, markets on the map by coverage, the tables), the
printable report and the bureau's year; an operator measures again. No policy violation, no sideways scroll."""

from __future__ import annotations

import pytest

from campaigns.reporting.services import sortie_measure
from common.roles import SYSTEM, Role
from tests.browser.pages import fits
from tests.campaigns import builders
from tests.campaigns.reach_world import ON_STREET, campaign_with_market, flight, occurrence, track
from tests.factories import make_user

PASSWORD = "campaign-2026-reach"
TITLES = {"zh-hans": ("覆盖", "年宣传覆盖", "宣传活动覆盖情况报告"), "en": ("Reach", "Publicity reach", "reach report")}


@pytest.fixture
def world(transactional_db):
    user = make_user(Role.DRONE_OPERATOR, username="reacher")
    user.set_password(PASSWORD)
    user.save()
    campaign, market = campaign_with_market(name="反诈宣传进大集（样例）", reach_target=5000)
    first = builders.sortie(occurrence(campaign, market, 1))
    builders.sortie(occurrence(campaign, market, 6))
    flight(first)
    track(first.drone, first.start, [(s, ON_STREET, True) for s in range(301)])
    sortie_measure(sortie=first, actor=SYSTEM)
    return {"campaign": campaign, "market": market}


@pytest.fixture
def browser(signed_in):
    """``browser(width, language)``: a page signed in as the test's user."""
    return lambda width, language: signed_in("reacher", PASSWORD, width, language)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("width", [390, 1280])
def test_reach_pages_draw_fit_and_speak_the_language(browser, live_url, world, width, language, tmp_path):
    page = browser(width, language)
    reach_title, year_title, report_title = TITLES[language]
    campaign = world["campaign"]

    page.goto(f"{live_url}/campaigns/{campaign.pk}/")
    page.click("#reach-link")
    page.wait_for_url(f"{live_url}/campaigns/{campaign.pk}/reach/")
    assert page.inner_text("h1").startswith(reach_title)
    page.wait_for_selector("#reach-chart[data-drawn='3']")
    page.wait_for_selector("#reach-map .leaflet-interactive")
    assert int(page.inner_text("#flown-reach")) > 0
    assert page.inner_text("#sorties-flown") == "1" and page.inner_text("#sorties-planned") == "1"
    assert "王庄大集" in page.inner_text("table.reach-places")
    assert fits(page), "the reach page must not scroll sideways"
    page.screenshot(path=str(tmp_path / f"reach-{language}-{width}.png"), full_page=True)

    page.goto(f"{live_url}/campaigns/{campaign.pk}/reach/report/")
    assert report_title in page.inner_text("h1") and fits(page)
    page.emulate_media(media="print")
    assert not page.locator(".noprint").first.is_visible()
    page.emulate_media(media="screen")

    page.goto(f"{live_url}/campaigns/reach/")
    assert year_title in page.inner_text("h1")
    page.wait_for_selector("#year-chart[data-drawn='5']")
    assert page.inner_text("#year-target") == "300000" and fits(page)
    assert not page.refusals, page.refusals


def test_an_operator_measures_again_from_the_page(browser, live_url, world):
    page = browser(1280, "en")
    page.goto(f"{live_url}/campaigns/{world['campaign'].pk}/reach/")
    before = page.inner_text("#flown-reach")
    page.click("#measure-again")
    page.wait_for_selector(".messages")
    assert "1 flown sorties measured again, 0 changed" in page.inner_text(".messages")
    assert page.inner_text("#flown-reach") == before
    assert not page.refusals, page.refusals
