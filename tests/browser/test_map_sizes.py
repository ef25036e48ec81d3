"""Every map page has a map to look at on a phone (390 px) and a tablet (768 px): never 0 px tall, never wider
than the window."""

from __future__ import annotations

import pytest

from common.roles import Role
from drones.models import Airspace, Drone, Mission
from tests.browser.test_flight_page import _flight, _operator, browser, sign_in  # noqa: F401 (browser: a fixture)
from tests.factories import square

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 768, "height": 1024}


@pytest.mark.parametrize("size", [PHONE, TABLET], ids=["phone", "tablet"])
def test_every_map_page_shows_a_map_of_real_height(browser, live_url, size):  # noqa: F811
    admin = _operator("chief", Role.BUREAU_ADMIN)
    flight = _flight(admin)
    mission = flight.mission
    zone = Airspace.objects.create(name="禁飞区", kind=Airspace.Kind.NO_FLY, geometry=square(36.19, 118.18, 0.002))
    pages = {
        "live map": ("/drones/map/", "#map"),
        "planner": (f"/drones/missions/{mission.pk}/", ".map"),
        "flight": (f"/drones/flights/{flight.pk}/", "#flight-map"),
        "airspace": ("/drones/airspace/", ".map"),
        "zone": (f"/drones/airspace/{zone.pk}/", ".map"),
        "schools": ("/campus/map/", "#map"),
    }
    page = browser(size, "zh-hans")
    sign_in(page, live_url, "chief")
    for name, (path, selector) in pages.items():
        page.goto(f"{live_url}{path}")
        page.wait_for_selector(f"{selector}.leaflet-container")
        box = page.locator(selector).first.bounding_box()
        assert box is not None and box["height"] >= 250, f"{name} at {size['width']} px: map box {box}"
        assert box["width"] >= size["width"] * 0.5, f"{name} at {size['width']} px: map box {box}"
        fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert fits, f"{name} at {size['width']} px scrolls sideways"
    assert Drone.objects.count() == 1 and Mission.objects.count() == 1
