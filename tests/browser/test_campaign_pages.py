"""The campaign pages in headless Chromium, on a phone (390 px) and a desktop (1280 px), in Chinese and English:
the list, the detail with its map, the form; and the operator's whole path from the form (an error shown at its
field, then saved) to building the occurrences and filtering them. No policy violation, no sideways scrolling."""

from __future__ import annotations

import datetime as dt

import pytest

from campaigns.models import Occurrence
from campaigns.planning.occurrences import occurrences_build
from common.roles import SYSTEM, Role
from tests.browser.pages import fits
from tests.campaigns import builders
from tests.factories import SchoolFactory, make_user

PASSWORD = "campaign-2026-pages"
TITLES = {
    "zh-hans": {"list": "宣传活动", "new": "新建宣传活动", "occurrences": "播放场次"},
    "en": {"list": "Publicity campaigns", "new": "New campaign", "occurrences": "Occurrences"},
}


@pytest.fixture
def world(transactional_db):
    user = make_user(Role.DRONE_OPERATOR, username="campaigner")
    user.set_password(PASSWORD)
    user.save()
    playlist = builders.playlist(builders.clip("不听不信不转账"), name="反诈广播")
    market = builders.market(name="王庄大集")
    school = SchoolFactory(name="城关第一小学", lat=36.19, lon=118.18)
    campaign = builders.campaign(
        name="反诈宣传进大集（样例）",
        scope="chosen",
        playlist=playlist,
        start=dt.date(2026, 12, 1),
        end=dt.date(2026, 12, 31),
    )
    campaign.markets.set([market])
    campaign.schools.set([school])  # no term yet, so no dismissal occurrences; the map shows the school
    occurrences_build(campaign=campaign, actor=SYSTEM)
    first = Occurrence.objects.filter(campaign=campaign).first()
    builders.sortie(first)
    Occurrence.objects.filter(pk=first.pk).update(status="scheduled")
    return {"user": user, "playlist": playlist, "market": market, "school": school, "campaign": campaign}


@pytest.fixture
def browser(signed_in):
    """``browser(width, language)``: a page signed in as the test's user."""
    return lambda width, language: signed_in("campaigner", PASSWORD, width, language)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("width", [390, 1280])
def test_list_detail_and_form_fit_and_speak_the_language(browser, live_url, world, width, language, tmp_path):
    page = browser(width, language)
    titles = TITLES[language]
    campaign = world["campaign"]

    page.goto(f"{live_url}/campaigns/")
    assert page.inner_text("h1") == titles["list"] and fits(page)
    row = page.locator("table.campaign-list tbody tr").first
    assert "反诈宣传进大集（样例）" in row.inner_text()
    page.screenshot(path=str(tmp_path / f"list-{language}-{width}.png"), full_page=True)

    page.goto(f"{live_url}/campaigns/{campaign.pk}/")
    assert "反诈宣传进大集（样例）" in page.inner_text("h1")
    page.wait_for_selector("#map .leaflet-interactive")
    # the market's street and the school's point are drawn
    assert page.locator("#map .leaflet-interactive").count() >= 2
    assert page.inner_text("#occurrence-total") == str(Occurrence.objects.filter(campaign=campaign).count())
    build_label = "Build occurrences" if language == "en" else "生成播放场次"
    assert page.inner_text("#build-occurrences") == build_label
    assert fits(page), "the detail must not scroll sideways"
    page.screenshot(path=str(tmp_path / f"detail-{language}-{width}.png"), full_page=True)

    page.goto(f"{live_url}/campaigns/new/")
    assert page.inner_text("h1") == titles["new"] and fits(page)
    assert "反诈广播" in page.inner_text("select[name=playlist]")
    page.screenshot(path=str(tmp_path / f"form-{language}-{width}.png"), full_page=True)

    page.goto(f"{live_url}/campaigns/{campaign.pk}/occurrences/")
    assert page.inner_text("h1").startswith(titles["occurrences"]) and fits(page)
    assert not page.refusals, page.refusals


def test_an_operator_plans_a_campaign_from_the_pages(browser, live_url, world):
    page = browser(390, "zh-hans")
    page.goto(f"{live_url}/campaigns/new/")
    page.fill("input[name=name]", "防溺水宣传")
    page.select_option("select[name=theme]", "drowning")
    page.fill("input[name=start_date]", "2026-12-01")
    page.fill("input[name=end_date]", "2026-11-01")
    page.select_option("select[name=playlist]", str(world["playlist"].pk))
    page.fill("input[name=reach_target]", "20000")
    page.select_option("select[name=market_scope]", "chosen")
    page.select_option("select[name=markets]", [str(world["market"].pk)])
    page.click("form.campaign-form button[type=submit]")
    error = page.inner_text("#field-end_date .errorlist")
    assert "早于" in error and "2026-11-01" in error and fits(page)

    page.fill("input[name=end_date]", "2026-12-31")
    page.click("form.campaign-form button[type=submit]")
    page.wait_for_selector(".messages .msg-success")
    assert page.inner_text("h1").startswith("防溺水宣传")
    page.click("#build-occurrences")
    page.wait_for_selector(".messages .msg-success")
    assert "新增" in page.inner_text(".messages") and fits(page)

    page.click("a[href$='/occurrences/']")
    page.select_option("select[name=status]", "open")
    page.click("form.filters button[type=submit]")
    assert page.locator("table.occurrence-list tbody tr").count() > 3
    assert "王庄大集" in page.inner_text("table.occurrence-list") and fits(page)
    assert not page.refusals, page.refusals
