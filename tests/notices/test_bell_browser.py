"""The bell in headless Chromium at 390 px and 1366 px, in Chinese and English: the unread count in the top
bar, a report from a school reaching its liaison officer's bell live with an urgent banner and a chime, the
list page, mark all read. No policy violation, no sideways scrolling."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request

import pytest
from django.utils import timezone

from common.roles import Role
from common.tokens import api_token_create
from notices.services import notice_send
from tests.browser.conftest import CHROMIUM, county, live_url, signed_in  # noqa: F401 - fixtures
from tests.browser.pages import fits
from tests.factories import make_user


def _no_browser() -> str | None:
    """Why these tests cannot run here (the rule of tests/browser/conftest.py), or None."""
    if CHROMIUM is None:
        return "Chromium is not installed (Debian package 'chromium'; .ci/run installs it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -r requirements-dev.txt)"
    return None


pytestmark = [pytest.mark.browser, pytest.mark.skipif(_no_browser() is not None, reason=str(_no_browser()))]

WORDS = {
    "zh-hans": {"urgent": "紧急", "notices": "通知", "routed": "已转给您", "read_all": "全部标为已读"},
    "en": {"urgent": "Urgent", "notices": "Notices", "routed": "was routed to you", "read_all": "Mark all read"},
}


def report_incident(base_url: str, key: str, severity: str) -> dict:
    """A school's safety staff sends a report through the API (on the live server, so its push is live)."""
    body = {
        "category": "intruder",
        "severity": severity,
        "occurred_at": (timezone.now() - dt.timedelta(minutes=2)).isoformat(),
        "description": "A man climbing the fence at the north gate",
    }
    request = urllib.request.Request(
        f"{base_url}/api/incidents/reports/",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Authorization": f"Token {key}",
            "Content-Type": "application/json",
            "Idempotency-Key": f"notice-bell-{severity}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the test's own server
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise AssertionError(f"report refused: {error.code} {error.read()[:500]!r}") from None


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("width", [390, 1366])
def test_bell_counts_goes_live_and_shows_an_urgent_report(signed_in, live_url, county, width, language, tmp_path):  # noqa: F811
    words = WORDS[language]
    zhang = make_user(Role.STATION_OFFICER, officer=county["officer"], username="zhang", password="pw-zhang-1")
    staff = make_user(Role.SCHOOL_STAFF, school=county["covered"], username="staff", password="pw-staff-1")
    _token, key = api_token_create(user=staff, name="browser test", actor=staff)
    notice_send(users=[zhang], kind="duty_changed", title="Your duty on Monday moved to 07:10")

    page = signed_in("zhang", "pw-zhang-1", 1280, language)
    page.set_viewport_size({"width": width, "height": 844 if width == 390 else 800})
    page.goto(f"{live_url}/")
    bell = page.locator("#notice-bell")
    assert bell.is_visible() and page.inner_text("#notice-bell .notice-count") == "1"
    box = bell.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, "the bell must be in view"
    page.wait_for_function("() => document.getElementById('notice-bell').dataset.live === '1'")
    page.keyboard.press("Shift")  # a gesture (that follows no link), so the page may play sound
    assert fits(page)

    report_incident(live_url, key, "urgent")
    banner = page.locator(".notice-banner")
    banner.wait_for(timeout=30000)
    text = banner.inner_text()
    assert words["urgent"] in text and words["routed"] in text
    page.wait_for_function("() => document.querySelector('#notice-bell .notice-count').textContent === '2'")
    page.wait_for_function("() => Number(document.getElementById('notice-bell').dataset.chimes || 0) >= 1")
    assert fits(page), "the banner must wrap on a phone"
    page.screenshot(path=str(tmp_path / f"bell-{language}-{width}.png"), full_page=True)

    page.click("#notice-bell")
    page.wait_for_url(f"{live_url}/notices/")
    assert words["notices"] in page.inner_text("h1")
    assert page.locator(".notice-list .notice.unread").count() == 2
    assert page.locator(".notice-list .notice.urgent").count() == 1
    assert fits(page)
    page.get_by_role("button", name=words["read_all"]).click()
    page.wait_for_selector(".messages .msg-success")
    assert page.locator(".notice-list .notice.unread").count() == 0
    assert page.locator("#notice-bell .notice-count").is_hidden()
    page.screenshot(path=str(tmp_path / f"list-{language}-{width}.png"), full_page=True)
    assert page.refusals == []
