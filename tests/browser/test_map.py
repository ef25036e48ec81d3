"""A user logs in and sees the school map with every school on it."""

from __future__ import annotations

from tests.browser.conftest import login


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
    page.fill("#school-search", county["covered"].name)
    page.dispatch_event("#school-search", "change")
    popup = page.wait_for_selector(".leaflet-popup-content")
    assert "张警官" in popup.inner_text()
    page.screenshot(path=str(tmp_path / "map.png"))


def test_anonymous_user_is_sent_to_login(page, live_url):
    page.goto(f"{live_url}/campus/map/")
    assert "/accounts/login/" in page.url
