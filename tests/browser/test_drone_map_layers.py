"""The live map as an operator reads it: airspace, markets and schools under the drones, switchable; drone names
30 m apart that do not print over each other; the last hour's events there on opening."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from common.roles import Role
from drones.models import Airspace, Drone, DroneEvent
from tests.asgi_server import run_asgi_server
from tests.browser.conftest import login
from tests.factories import SchoolFactory, UserFactory, square
from tests.sim import sim_fleet


@pytest.fixture
def three_drones_url(transactional_db, settings):
    """Three simulated drones 30 m apart (the simulator's grid), the embedded bridge in the server."""
    settings.DRONE_BRIDGE_EMBEDDED = True
    with sim_fleet(3) as sim:
        for i, connection in enumerate(sim.fleet.connection_strings):
            Drone.objects.create(name=f"巡逻{i + 1}号", serial=f"S{i}", connection=connection)
        with run_asgi_server(lifespan="on") as url:
            yield url


def label_boxes(page) -> list[dict]:
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.drone-label'))
            .filter(e => getComputedStyle(e).display !== 'none')
            .map(e => { const r = e.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; })"""
    )


def overlap(a: dict, b: dict) -> bool:
    across = a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
    return across and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]


def test_layers_labels_and_the_last_hour_of_events(page, three_drones_url):
    UserFactory(username="op", password="pw-op-1", roles=[Role.DRONE_OPERATOR])
    SchoolFactory(name="城关小学", lat=36.18, lon=118.17)
    Airspace.objects.create(name="医院禁飞区", kind=Airspace.Kind.NO_FLY, geometry=square(36.19, 118.18, 0.002))
    first = Drone.objects.order_by("id").first()
    now = timezone.now()
    DroneEvent.objects.create(drone=first, at=now - dt.timedelta(minutes=20), kind="mode", severity=6, text="Mode RTL")
    DroneEvent.objects.create(drone=first, at=now - dt.timedelta(hours=3), kind="mode", severity=6, text="Mode OLD")
    login(page, three_drones_url, "op", "pw-op-1")
    page.goto(f"{three_drones_url}/drones/map/")
    ids = list(Drone.objects.order_by("id").values_list("id", flat=True))
    for drone_id in ids:
        page.wait_for_function(
            f"() => document.getElementById('map').dataset.lat{drone_id} !== undefined", timeout=30_000
        )
    # Layers: the school and the zone are drawn, and the switcher lists them.
    page.wait_for_function("() => document.getElementById('map').dataset.airspaceFeatures === '1'")
    assert page.get_attribute("#map", "data-school-count") == "1"
    assert page.locator(".leaflet-control-layers-overlays label").count() == 3
    # Names: three drones 30 m apart at the opening zoom; no two visible names overlap.
    page.wait_for_timeout(800)  # the placement runs after the markers move
    boxes = label_boxes(page)
    hidden = int(page.get_attribute("#map", "data-hidden-labels") or 0)
    assert len(boxes) + hidden == 3 and len(boxes) >= 2
    assert not any(overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :]), boxes
    # Zoomed in, there is room for every name.
    page.evaluate("() => document.querySelector('.leaflet-control-zoom-in').click()")
    page.evaluate("() => document.querySelector('.leaflet-control-zoom-in').click()")
    page.evaluate("() => document.querySelector('.leaflet-control-zoom-in').click()")
    page.wait_for_function("() => document.getElementById('map').dataset.hiddenLabels === '0'", timeout=10000)
    # The first drone's panel lists what happened in the last hour, not before.
    page.click(f"#drone-list li[data-drone='{ids[0]}']")
    log = page.locator("#event-log").inner_text()
    assert "Mode RTL" in log and "Mode OLD" not in log
