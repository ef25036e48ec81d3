"""A drone operator opens the live map and sees a simulated drone's marker move."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request

import pytest
from django.utils import timezone

from common.roles import Role
from common.tokens import api_token_create
from drones.models import Drone, Pilot
from tests.asgi_server import run_asgi_server
from tests.browser.conftest import login
from tests.factories import UserFactory
from tests.sim import sim_fleet


@pytest.fixture
def live_url(transactional_db, settings):
    """The site under uvicorn with lifespan on: the embedded telemetry bridge runs in the server."""
    settings.DRONE_BRIDGE_EMBEDDED = True
    with sim_fleet(1) as sim:
        Drone.objects.create(name="巡逻一号", serial="S1", connection=sim.fleet.connection_strings[0])
        with run_asgi_server(lifespan="on") as url:
            yield url


def post(url: str, token: str, body: dict) -> dict:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_operator_sees_the_drone_marker_move_after_take_off_and_goto(page, live_url):
    user = UserFactory(username="pilot", password="pw-pilot-1", roles=[Role.DRONE_OPERATOR])
    Pilot.objects.create(user=user, licence_no="L1", licence_expiry=timezone.localdate() + dt.timedelta(days=30))
    token = api_token_create(user=user, name="test", actor=user)[1]
    drone = Drone.objects.get()
    login(page, live_url, "pilot", "pw-pilot-1")
    page.goto(f"{live_url}/drones/map/")
    page.wait_for_function(f"() => document.getElementById('map').dataset.lat{drone.id} !== undefined", timeout=20000)
    assert page.locator(".drone-marker").count() == 1
    start_lat = float(page.get_attribute("#map", f"data-lat{drone.id}"))
    # Take control and take off from the page, as an operator would.
    page.click("#btn-lock")
    page.wait_for_selector("#command-buttons:not([disabled])")
    page.fill("#takeoff-alt", "15")
    for _attempt in range(20):  # the vehicle may still be booting: the page shows why, the operator retries
        page.click("button[data-command=takeoff]")
        page.wait_for_selector("#command-result[data-state=ok], #command-result[data-state=error]")
        if page.get_attribute("#command-result", "data-state") == "ok":
            break
        page.wait_for_timeout(500)
    page.wait_for_function(f"() => Number(document.getElementById('map').dataset.alt{drone.id}) > 5", timeout=20000)
    # Fly north 80 m through the API and watch the marker follow.
    post(
        f"{live_url}/api/drones/drones/{drone.id}/command/",
        token,
        {"command": "goto", "args": {"lat": start_lat + 0.00072, "lon": 118.17, "alt_m": 15}},
    )
    page.wait_for_function(
        f"() => Number(document.getElementById('map').dataset.lat{drone.id}) > {start_lat + 0.0004}", timeout=30000
    )
    box = page.locator(".drone-marker").bounding_box()
    assert box is not None and box["width"] > 0


@pytest.fixture
def every_update_delayed(settings):
    """Every position is older than 0 s when it is sent: the server marks each update delayed. Set before
    the server starts (ask for it before ``page``): the process's hub reads the limit when it is made."""
    settings.DRONE_LIVE_DELAYED_S = 0.0


def test_an_update_older_than_the_limit_shows_delayed_not_live(every_update_delayed, page, live_url):
    UserFactory(username="watcher", password="pw-watch-1", roles=[Role.DRONE_OPERATOR])
    drone = Drone.objects.get()
    login(page, live_url, "watcher", "pw-watch-1")
    page.goto(f"{live_url}/drones/map/")
    page.wait_for_function(f"() => document.getElementById('map').dataset.delayed{drone.id} === '1'", timeout=20000)
    badge = page.locator(".badge.delayed").first
    badge.wait_for(state="visible")
    assert badge.inner_text() == "延迟"


def test_fresh_updates_are_not_marked_delayed(page, live_url):
    UserFactory(username="watcher2", password="pw-watch-2", roles=[Role.DRONE_OPERATOR])
    drone = Drone.objects.get()
    login(page, live_url, "watcher2", "pw-watch-2")
    page.goto(f"{live_url}/drones/map/")
    page.wait_for_function(f"() => document.getElementById('map').dataset.lat{drone.id} !== undefined", timeout=20000)
    page.wait_for_timeout(1500)  # a few updates at 5 Hz
    assert page.get_attribute("#map", f"data-delayed{drone.id}") == "0"
    assert page.locator("#drone-list .badge.delayed").count() == 0


def test_updates_that_reach_the_page_late_show_delayed_though_the_server_sent_them_fresh(page, live_url):
    # What the server cannot see: the page falls 3 s behind after the server wrote each update fresh (a
    # slow network, a busy browser). The page's own clock runs 3 s ahead of what it has learnt, as it
    # would, and it judges every update's "at" on arrival and while shown.
    UserFactory(username="watcher3", password="pw-watch-3", roles=[Role.DRONE_OPERATOR])
    drone = Drone.objects.get()
    login(page, live_url, "watcher3", "pw-watch-3")
    page.clock.install()
    page.goto(f"{live_url}/drones/map/")
    page.wait_for_function(f"() => document.getElementById('map').dataset.lat{drone.id} !== undefined", timeout=20000)
    page.wait_for_timeout(1000)
    assert page.get_attribute("#map", f"data-delayed{drone.id}") == "0"
    page.clock.fast_forward(3000)
    page.wait_for_function(f"() => document.getElementById('map').dataset.delayed{drone.id} === '1'", timeout=10000)
    assert page.locator("#drone-list .badge.delayed").count() == 1
