"""Headless Chromium (Debian's package, driven by Playwright) against the app under uvicorn.

Skipped, with the reason, where Chromium or Playwright is missing; ``.ci/run``
installs Debian's chromium so CI runs them.
"""

from __future__ import annotations

import os
import shutil

import pytest

from common.roles import Role
from tests.asgi_server import run_asgi_server
from tests.county import County, build_county

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    reason = None
    if CHROMIUM is None:
        reason = "Chromium is not installed (Debian package 'chromium'; .ci/run installs it)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "Playwright is not installed (pip install -r requirements-dev.txt)"
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def live_url(transactional_db):
    with run_asgi_server() as url:
        yield url


@pytest.fixture
def county(transactional_db) -> County:
    """One station, 城关派出所, with three schools; 张警官 is the liaison officer of ``covered``.

    The scheduler ``sched`` logs in with the password ``pw-sched-1``. Transactional: the server's threads
    read what the test wrote.
    """
    return build_county(
        stations={"station": {"name": "城关派出所", "half_deg": 0.1}},
        schools={
            key: {"lat": 36.18 + i * 0.01, "lon": 118.17} for i, key in enumerate(("covered", "school1", "school2"))
        },
        officers={"officer": {"station": "station", "name": "张警官"}},
        liaisons={"covered": "officer"},
        users={"sched": {"role": Role.BRIGADE_SCHEDULER, "password": "pw-sched-1"}},
    )


@pytest.fixture
def page(live_url, monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # test makes in between are ordinary blocking calls, so allow them.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.set_default_timeout(15000)
        yield page
        context.close()
        browser.close()


def login(page, live_url: str, username: str, password: str) -> None:
    page.goto(f"{live_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_url}/")


@pytest.fixture
def signed_in(live_url, monkeypatch):
    """``open(username, password, width, language)``: a page signed in at a phone (390) or desktop (1280)
    width in ``zh-hans`` or ``en``, collecting what the browser refused (``page.refusals``: CSP refusals
    and script errors). Every context opened is closed at the end of the test."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    from tests.browser.pages import LOCALES, SIZES

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        contexts = []

        def open_page(username: str, password: str, width: int = 1280, language: str = "zh-hans"):
            context = chromium.new_context(locale=LOCALES[language], viewport=SIZES[width])
            context.add_cookies([{"name": "django_language", "value": language, "url": live_url}])
            contexts.append(context)
            page = context.new_page()
            page.set_default_timeout(20000)
            page.refusals = []
            page.on("console", lambda msg: page.refusals.append(msg.text) if "Refused to" in msg.text else None)
            page.on("pageerror", lambda exc: page.refusals.append(f"script error: {exc}"))
            page.goto(f"{live_url}/accounts/login/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", password)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_url}/")
            return page

        yield open_page
        for context in contexts:
            context.close()
        chromium.close()
