"""The operator's flight pages in headless Chromium: control, alerts, live values, cancel, the mission form.

The quick tests run without a vehicle (the page's own behaviour: control, cancel, layout in both
languages at phone and desktop width, the alert banner and its acknowledgement across pages). The
slow one flies a school patrol on the simulator from the pages alone - the missions page's form,
"Fly this mission", the flight page's preflight buttons, start - watches it fly, shrinks the
vehicle's fence under it and sees the alert banner, and acknowledges it.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from common.models import AuditLogEntry
from common.roles import Role
from drones.missions.services import mission_save
from drones.models import Drone, DroneEvent, Flight, Mission, Pilot
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.factories import SchoolFactory, make_user, square

PASSWORD = "fly-safe-2026"
HOME = (36.185, 118.17)
ROUTE = [{"lat": 36.1853, "lon": 118.17, "alt_m": 20}, {"lat": 36.1853, "lon": 118.1705, "alt_m": 20}]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
LOCALES = {"en": "en-US", "zh-hans": "zh-CN"}


def _operator(username: str = "pilot", role: Role = Role.DRONE_OPERATOR):
    user = make_user(role, username=username)
    user.set_password(PASSWORD)
    user.save()
    if role == Role.DRONE_OPERATOR:
        Pilot.objects.create(
            user=user, licence_no=f"UAS-{username}", licence_expiry=timezone.localdate() + dt.timedelta(days=90)
        )
    return user


@pytest.fixture
def browser(live_url, monkeypatch):
    """A Chromium; ``open_page(size, language)`` gives a fresh signed-out page in its own context."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        contexts = []

        def open_page(size=DESKTOP, language="en"):
            context = chromium.new_context(locale=LOCALES[language], viewport=size)
            contexts.append(context)
            page = context.new_page()
            page.set_default_timeout(20000)
            return page

        yield open_page
        for context in contexts:
            context.close()
        chromium.close()


def sign_in(page, base: str, username: str = "pilot") -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _drone() -> Drone:
    return Drone.objects.create(
        name="巡逻一号", serial="SN-1", connection="tcp:127.0.0.1:9", home_lat=HOME[0], home_lon=HOME[1]
    )


def _flight(user) -> Flight:
    drone = _drone()
    mission = Mission(name="Box", kind="free", drone=drone, waypoints=ROUTE)
    mission_save(mission=mission, actor=user)
    assert mission.status == "ready", mission.validation
    return Flight.objects.create(mission=mission, drone=drone, pilot=user)


# --- without a vehicle -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_flight_page_shows_control_and_lets_the_operator_take_it_at_phone_and_desktop_width(
    browser, live_url, size, language
):
    user = _operator()
    flight = _flight(user)
    page = browser(size, language)
    sign_in(page, live_url)
    page.goto(f"{live_url}/drones/flights/{flight.pk}/")
    page.wait_for_selector("#flight-map[data-status=preflight]")
    texts = {
        "en": ("Controlled by: nobody", "Take control", "Cancel flight"),
        "zh-hans": ("无人", "取得控制权", "取消飞行"),
    }[language]
    assert texts[0] in page.inner_text("#lock-state")
    assert page.inner_text("#btn-lock") == texts[1]
    assert page.inner_text("#btn-cancel") == texts[2]
    # Without control nothing that commands the drone can be pressed.
    assert page.is_disabled("#btn-start") and page.is_disabled("#btn-cancel") and page.is_disabled("#btn-fix")
    # Nothing sticks out sideways, the phone included; the panel and the map are both there.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= size["width"] + 1, f"the page is {width} px wide in a {size['width']} px window"
    assert page.locator("#flight-map").bounding_box()["height"] > 100
    page.click("#btn-lock")
    page.wait_for_selector("#flight-map[data-lock-phase=mine]")
    assert page.is_enabled("#btn-start") and page.is_enabled("#btn-cancel")
    assert page.is_hidden("#btn-lock")
    assert user.get_username() != page.inner_text("#lock-state")  # says "you", not a username


def test_the_page_says_control_lost_in_red_when_another_operator_takes_over_and_takes_it_back(
    browser, live_url, settings
):
    settings.DRONE_CONTROL_LOCK_S = 15  # the page renews every 5 s
    user = _operator()
    _operator("pilot2")
    flight = _flight(user)
    page = browser()
    sign_in(page, live_url)
    page.goto(f"{live_url}/drones/flights/{flight.pk}/")
    page.click("#btn-lock")
    page.wait_for_selector("#flight-map[data-lock-phase=mine]")
    # Another operator takes over (as the live map's take-over does); the page's next renewal finds out.
    other = browser()
    sign_in(other, live_url, "pilot2")
    other.goto(f"{live_url}/drones/flights/{flight.pk}/")
    other.once("dialog", lambda dialog: dialog.accept())
    other.click("#btn-lock")
    other.wait_for_selector("#flight-map[data-lock-phase=mine]")
    page.wait_for_selector("#flight-map[data-lock-phase=lost]", timeout=30000)
    assert "CONTROL LOST" in page.inner_text("#lock-state")
    assert page.evaluate("getComputedStyle(document.getElementById('control')).borderTopColor") == "rgb(192, 38, 45)"
    assert page.is_disabled("#btn-start")
    assert page.inner_text("#btn-lock") == "Take control back"
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#btn-lock")
    page.wait_for_selector("#flight-map[data-lock-phase=mine]")
    assert page.is_enabled("#btn-start")


def test_cancel_in_preflight_ends_the_flight_as_cancelled(browser, live_url):
    user = _operator()
    flight = _flight(user)
    page = browser()
    sign_in(page, live_url)
    page.goto(f"{live_url}/drones/flights/{flight.pk}/")
    page.click("#btn-lock")
    page.wait_for_selector("#flight-map[data-lock-phase=mine]")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#btn-cancel")
    page.wait_for_selector("#flight-map[data-status=cancelled]")
    flight.refresh_from_db()
    assert flight.status == "cancelled"
    assert page.is_hidden("#preflight")


def test_alert_banner_shows_on_every_page_until_acknowledged_and_goes_from_every_watchers_page(browser, live_url):
    _operator()
    _operator("leader", Role.LEADERSHIP)
    drone = Drone.objects.create(name="巡逻一号", serial="SN-1", connection="tcp:127.0.0.1:9")
    alert = DroneEvent.objects.create(
        drone=drone, at=timezone.now(), kind="fence", severity=5, text="Polygon fence breached", alert="fence"
    )
    page = browser(PHONE, "zh-hans")
    sign_in(page, live_url)
    page.goto(f"{live_url}/drones/missions/")
    page.wait_for_selector(f"#drone-alerts li[data-alert='{alert.pk}']")
    assert "巡逻一号" in page.inner_text("#drone-alerts") and "Polygon fence breached" in page.inner_text(
        "#drone-alerts"
    )
    watcher = browser(DESKTOP, "en")
    sign_in(watcher, live_url, "leader")  # the overview page: not a drone page at all
    watcher.wait_for_selector(f"#drone-alerts li[data-alert='{alert.pk}'] button")
    watcher.wait_for_selector("#drone-alerts[data-live='1']", state="attached")  # its websocket is open
    page.click(f"#drone-alerts button[data-ack='{alert.pk}']")
    page.wait_for_selector("#drone-alerts .acked")
    # The other watcher's banner hears of it over the websocket, then drops the line.
    watcher.wait_for_selector("#drone-alerts .acked")
    assert "pilot" in watcher.inner_text("#drone-alerts")
    watcher.wait_for_selector("#drone-alerts", state="hidden", timeout=10000)
    alert.refresh_from_db()
    assert alert.acknowledged_by.get_username() == "pilot"
    assert AuditLogEntry.objects.filter(action="drone.alert.ack", object_id=str(alert.pk)).exists()
    # A page loaded afterwards has nothing to show.
    page.goto(f"{live_url}/")
    page.wait_for_load_state("networkidle")
    assert page.is_hidden("#drone-alerts")


def test_point_broadcast_is_offered_in_the_mission_form_with_points_picked_on_the_map(browser, live_url):
    _operator("planner", Role.DRONE_OPERATOR)
    Drone.objects.create(
        name="巡逻一号", serial="SN-1", connection="tcp:127.0.0.1:9", home_lat=HOME[0], home_lon=HOME[1]
    )
    page = browser(PHONE, "en")
    sign_in(page, live_url, "planner")
    page.goto(f"{live_url}/drones/missions/")
    page.select_option("select[name=kind]", "point_broadcast")
    page.wait_for_selector("#points-map:not([hidden])")
    assert page.is_hidden("label.field-school") and page.is_visible("label.field-hold_s")
    page.fill("textarea[name=points]", f"{HOME[0] + 0.0005}, {HOME[1]}")
    box = page.locator("#points-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2 + 20, box["y"] + box["height"] / 2)
    page.wait_for_selector("#points-map[data-points='2']")
    page.fill("input[name=hold_s]", "20")
    page.fill("input[name=alt_m]", "30")
    page.click("#generate-form button[type=submit]")
    page.wait_for_url("**/drones/missions/*/")
    mission = Mission.objects.get()
    assert mission.kind == "point_broadcast"
    holds = [w.get("hold_s") for w in mission.waypoints]
    assert holds.count(20) == 2, mission.waypoints


def test_a_malformed_broadcast_point_is_refused_with_the_reason_and_nothing_is_created(browser, live_url):
    _operator("planner", Role.DRONE_OPERATOR)
    Drone.objects.create(
        name="巡逻一号", serial="SN-1", connection="tcp:127.0.0.1:9", home_lat=HOME[0], home_lon=HOME[1]
    )
    page = browser(DESKTOP, "en")
    sign_in(page, live_url, "planner")
    page.goto(f"{live_url}/drones/missions/")
    page.select_option("select[name=kind]", "point_broadcast")
    page.fill("textarea[name=points]", "36.18 north")
    page.click("#generate-form button[type=submit]")
    page.wait_for_selector("text=Point 1: write it as")
    assert not Mission.objects.exists()


# --- a whole school patrol on the simulator --------------------------------------------------------


@pytest.fixture
def flying(transactional_db, settings):
    """The simulator, the app with its embedded bridge, a signed-in operator (tests/drones/flying.py)."""
    from tests.drones.flying import flying_world

    with flying_world(settings) as world:
        yield world


@pytest.mark.slow
def test_operator_flies_a_school_patrol_from_the_pages_and_acknowledges_the_fence_breach_alert(flying, monkeypatch):
    from playwright.sync_api import sync_playwright

    from tests.drones.flying import PASSWORD as WORLD_PASSWORD
    from tests.drones.flying import offset

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    world = flying
    base = world.base
    lat, lon = offset(90, 0)
    school = SchoolFactory(name="青石小学", lat=lat, lon=lon, campus=square(lat, lon, 0.0003))
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = chromium.new_context(locale="zh-CN", viewport=DESKTOP).new_page()
        page.set_default_timeout(30000)
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=username]", world.user.get_username())
        page.fill("input[name=password]", WORLD_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        # The missions page: generate a school patrol.
        page.goto(f"{base}/drones/missions/")
        page.select_option("select[name=kind]", "school_patrol")
        page.select_option("select[name=drone]", str(world.drone.pk))
        page.select_option("select[name=school]", str(school.pk))
        page.fill("input[name=alt_m]", "30")
        page.fill("input[name=laps]", "1")
        page.fill("input[name=buffer_m]", "15")
        page.click("#generate-form button[type=submit]")
        page.wait_for_url("**/drones/missions/*/")
        page.wait_for_selector("#planner-map[data-status=ready]")
        # "Fly this mission" takes control and opens the flight page.
        page.click("#btn-fly")
        page.wait_for_url("**/drones/flights/*/")
        page.wait_for_selector("#flight-map[data-lock-phase=mine]")
        flight = Flight.objects.latest("pk")
        # Preflight as the operator does it: set the parameters, record the approval, confirm, check.
        page.wait_for_selector("#checklist tr")
        page.click("#btn-fix")
        page.wait_for_selector("#btn-fix:not([disabled])")
        page.fill("#approval", "SD-2026-1207")
        page.click("#btn-approval")
        page.wait_for_selector("#btn-approval:not([disabled])")
        page.check("#confirm")
        deadline = time.monotonic() + 120
        while True:
            page.click("#btn-check")
            page.wait_for_selector("#btn-check:not([disabled])")
            if page.get_attribute("#flight-map", "data-checklist-ok") == "1":
                break
            assert time.monotonic() < deadline, "checklist: " + page.inner_text("#checklist")
            page.wait_for_timeout(1000)
        page.click("#btn-start")
        page.wait_for_function(
            "() => ['flying', 'paused', 'returning', 'landing']"
            ".includes(document.getElementById('flight-map').dataset.status)"
            " || document.getElementById('flight-error').textContent.length > 30",
            timeout=120000,
        )
        assert page.get_attribute("#flight-map", "data-status") != "preflight", page.inner_text("#flight-error")
        # Watching it fly: the live values and the countdown move.
        page.wait_for_function("() => Number(document.getElementById('flight-map').dataset.alt) > 10", timeout=120000)
        assert "m/s" in page.inner_text("#live-props")
        # Fresh telemetry is shown as live: the "delayed" badge stays hidden (a .badge's display once beat
        # the hidden attribute, and every flight page said "delayed").
        assert not page.is_visible("#live-delayed")
        page.wait_for_function("() => document.getElementById('flight-map').dataset.etaS !== ''", timeout=60000)
        # Someone shrinks the vehicle's fence to 40 m under the patrol: it breaches and returns home.
        world.sim.set_param("FENCE_TYPE", 7)
        world.sim.set_param("FENCE_RADIUS", 40)
        page.wait_for_selector("#drone-alerts li[data-kind=fence] button", timeout=120000)
        assert page.locator("#flight-alerts li").count() >= 2  # the heading and the breach
        assert int(page.get_attribute("#drone-alerts", "data-beeps") or 0) >= 1
        page.click("#drone-alerts li[data-kind=fence] button")
        page.wait_for_selector("#drone-alerts li[data-kind=fence] .acked")
        fence = DroneEvent.objects.filter(drone=world.drone, alert="fence").latest("pk")
        assert fence.acknowledged_by == world.user
        # The flight ends, and the page says why.
        page.wait_for_function(
            "() => ['completed', 'aborted', 'failed'].includes(document.getElementById('flight-map').dataset.status)",
            timeout=240000,
        )
        flight.refresh_from_db()
        assert flight.outcome == "fence", (flight.status, flight.outcome, flight.outcome_detail, flight.last_error)
        page.wait_for_selector("#outcome:has-text('围栏')")
        # The mission's own events read in Chinese (written again from their data), on the live list
        # and in the flight log.
        page.wait_for_function("() => document.getElementById('log-events').children.length > 0", timeout=30000)
        events = page.inner_text("#event-log") + page.inner_text("#log-events")
        assert "任务项" in events and "任务已开始" in events, events
        assert "Mission item" not in events and "Mission started" not in events, events
        assert page.get_attribute("#flight-map", "data-lock-phase") == "mine"  # control held throughout
        chromium.close()
