"""The planner's altitude profile with a terrain model, in headless Chromium: the ground under the saved
route shaded, the ceiling above the ground following it, the terrain violations listed; an edited route
drops the ground until it is saved; without a terrain model the profile is as before. At phone (390)
and desktop (1366) width, in zh-hans and en, with nothing refused by the page's CSP."""

from __future__ import annotations

import pytest
from django.utils import translation

from common.roles import Role
from drones import terrain
from drones.missions.services import mission_save
from drones.models import Drone, Mission
from tests.browser.conftest import CHROMIUM, signed_in  # noqa: F401 - fixtures
from tests.browser.pages import fits
from tests.drones.airspace_helpers import LAUNCH, wp
from tests.drones.test_terrain_checks import dem, valley
from tests.factories import make_user

PASSWORD = "plan-terrain-2026"


@pytest.fixture(autouse=True)
def _fresh_cache():
    terrain.close_all()
    yield
    terrain.close_all()


def _mission(language: str = "en") -> Mission:
    """100 m above the launch point, across a valley 70 m deep 300 m east of it: rejected above ground. Saved
    in ``language``, as its pilot would (the messages are stored in the language of the save)."""
    pilot = make_user(Role.DRONE_OPERATOR, username="pilot")
    pilot.set_password(PASSWORD)
    pilot.save()
    drone = Drone.objects.create(
        name="巡逻一号", serial="SN-1", connection="tcp:127.0.0.1:9", home_lat=LAUNCH[0], home_lon=LAUNCH[1]
    )
    mission = Mission(
        name="山谷巡逻",
        drone=drone,
        waypoints=[w.as_dict() for w in (wp(0, 200, 100), wp(300, 200, 100), wp(420, 200, 100))],
        takeoff_alt_m=20,
    )
    with translation.override(language):
        mission_save(mission=mission, actor=pilot)
    return mission


def _open(signed_in, live_url, mission, width, language):  # noqa: F811 - the fixture
    page = signed_in("pilot", PASSWORD, width, language)
    page.goto(f"{live_url}/drones/missions/{mission.pk}/")
    page.wait_for_function("() => document.getElementById('planner-map').dataset.loaded === '1'")
    page.wait_for_function("() => document.getElementById('planner-map').dataset.checkDrawn !== undefined")
    return page


@pytest.mark.parametrize("width", [390, 1366])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_profile_draws_the_ground_and_the_ceiling_above_it(
    signed_in,  # noqa: F811 - the fixture
    live_url,
    tmp_path,
    settings,
    width,
    language,
):
    dem(tmp_path, settings, valley)
    mission = _mission(language)
    assert mission.status == "rejected"
    page = _open(signed_in, live_url, mission, width, language)

    page.wait_for_function("() => Number(document.getElementById('profile').dataset.ground) > 0")
    assert page.locator("#profile polygon.profile-ground").count() == 1
    assert page.locator("#profile polyline.profile-ceiling.terrain").count() == 1
    assert page.locator("#profile line.profile-ceiling").count() == 1  # the ceiling above the launch point stays
    # The valley floor is drawn below the launch point's level (the 0 line).
    lowest = page.evaluate(
        """() => Math.max(...document.querySelector('#profile polygon.profile-ground').getAttribute('points')
                 .split(' ').slice(1, -1).map((p) => Number(p.split(',')[1])))"""
    )
    zero = float(page.locator("#profile line.profile-axis").first.get_attribute("y1"))
    assert lowest > zero + 10, (lowest, zero)
    # Waypoints over the valley are marked; the note says what the shading is.
    assert page.locator("#profile circle.over[data-wp]").count() >= 1
    assert page.locator("[data-terrain-note=ground]").is_visible()
    assert page.locator("[data-terrain-note=none]").is_hidden()
    words = {"en": "above the ground", "zh-hans": "离地"}[language]
    assert page.locator("#violations li.error", has_text=words).count() >= 1
    assert fits(page), f"{width} px {language}: the page scrolls sideways"

    # Moving a point: the ground of the saved route no longer applies until it is saved and checked again.
    row = page.locator("#wp-table tbody tr[data-index='1'] [data-field=lat]")
    row.scroll_into_view_if_needed()
    row.fill(str(round(float(row.input_value()) + 0.0005, 7)))
    row.press("Tab")
    page.wait_for_function("() => document.getElementById('profile').dataset.ground === '0'")
    assert page.locator("[data-terrain-note=stale]").is_visible()
    assert page.refusals == []


def test_without_a_terrain_model_the_profile_is_heights_above_launch_only(
    signed_in,  # noqa: F811 - the fixture
    live_url,
    settings,
):
    settings.DRONE_TERRAIN_DEM = "none"
    mission = _mission()
    assert mission.status == "ready", mission.validation["violations"]
    page = _open(signed_in, live_url, mission, 1366, "en")

    assert page.get_attribute("#profile", "data-ground") == "0"
    assert page.locator("#profile polygon.profile-ground").count() == 0
    assert page.locator("#profile circle[data-wp]").count() == 3
    assert page.locator("[data-terrain-note=none]").is_visible()
    assert page.locator("[data-terrain-note=ground]").is_hidden()
    assert page.refusals == []
