"""The API tokens page on a phone (390 px) and a desktop, in Chinese and English: create, copy, use, revoke."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from common.roles import Role
from tests.browser.conftest import login
from tests.factories import UserFactory


def api_status(live_url: str, key: str) -> int:
    request = urllib.request.Request(f"{live_url}/api/me/", headers={"Authorization": f"Token {key}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [390, 1280])
def test_create_copy_use_and_revoke_a_token(page, live_url, width, tmp_path):
    UserFactory(username="scripter", password="pw-script-1", roles=[Role.BRIGADE_SCHEDULER])
    blocked = []
    page.on("console", lambda msg: blocked.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.set_viewport_size({"width": width, "height": 800})
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_url)
    login(page, live_url, "scripter", "pw-script-1")

    page.goto(f"{live_url}/accounts/token/")
    assert page.inner_text("h1") == "API 令牌" and fits(page)
    page.fill("input[name=name]", "排班导出脚本")
    page.select_option("select[name=ttl_days]", "7")
    page.click("form.token-create button[type=submit]")
    key = page.inner_text("#new-token-key").strip()
    assert key.startswith("sst_") and "只显示这一次" in page.inner_text("#new-token")
    assert fits(page), "the new key must wrap on a phone"
    page.click("button.copy-key")
    assert page.evaluate("navigator.clipboard.readText()") == key
    assert page.inner_text("button.copy-key") == "已复制"
    page.screenshot(path=str(tmp_path / f"tokens-zh-{width}.png"), full_page=True)
    assert api_status(live_url, key) == 200

    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_url}])
    page.goto(f"{live_url}/accounts/token/")
    assert page.inner_text("h1") == "API tokens" and key not in page.content()
    card = page.locator("article.token-item").first
    assert "排班导出脚本" in card.inner_text() and "active" in card.inner_text() and key[:12] in card.inner_text()
    assert fits(page)
    card.locator("button.danger").click()
    page.wait_for_selector(".messages .msg-success")
    assert "revoked" in page.locator("article.token-item").first.inner_text()
    page.screenshot(path=str(tmp_path / f"tokens-en-{width}.png"), full_page=True)
    assert api_status(live_url, key) == 401
    assert not blocked, blocked


def test_a_locked_out_user_sees_when_to_try_again(page, live_url, settings):
    UserFactory(username="victim", password="pw-victim-1")
    page.set_viewport_size({"width": 390, "height": 800})
    for n in range(settings.AXES_FAILURE_LIMIT):
        page.goto(f"{live_url}/accounts/login/")
        page.fill("input[name=username]", "victim")
        page.fill("input[name=password]", f"wrong-{n}")
        page.click("button[type=submit]")
    page.goto(f"{live_url}/accounts/login/")
    page.fill("input[name=username]", "victim")
    page.fill("input[name=password]", "pw-victim-1")
    page.click("button[type=submit]")
    message = page.inner_text("#login-locked")
    assert "登录失败次数过多" in message and "分钟" in message
    assert page.url.endswith("/accounts/login/") and fits(page)
