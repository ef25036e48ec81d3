"""The mission planner as a pilot uses it, in headless Chromium: a generated school patrol of two laps over a
no-fly zone, edited on the map and in the waypoint table (insert, delete, reorder, undo), a point typed in
GCJ-02 and stored in WGS-84, the launch point typed, the altitude profile, the laps drawn apart, violations
above the icons with click-to-zoom, the layers; at phone (390), tablet (768) and desktop (1366) width, in
zh-hans and en, with nothing refused by the page's CSP."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from common.geo import from_wgs84, haversine_m
from common.roles import Role
from drones.missions.services import mission_generate, mission_save
from drones.models import Airspace, Drone, Mission, Pilot
from tests.browser.conftest import CHROMIUM, signed_in  # noqa: F401 - fixtures
from tests.browser.pages import fits
from tests.factories import SchoolFactory, make_user, square

PASSWORD = "plan-safe-2026"
HOME = (36.185, 118.17)
SCHOOL = (36.1855, 118.1705)
LAP = 16  # waypoints of one patrol loop around SCHOOL's campus at the default distance


def _user(username: str, role: Role):
    user = make_user(role, username=username)
    user.set_password(PASSWORD)
    user.save()
    if role == Role.DRONE_OPERATOR:
        Pilot.objects.create(
            user=user, licence_no=f"UAS-{username}", licence_expiry=timezone.localdate() + dt.timedelta(days=90)
        )
    return user


def _patrol(pilot) -> Mission:
    """A generated two-lap school patrol, rejected: a no-fly zone sits on one leg of each lap."""
    drone = Drone.objects.create(
        name="巡逻一号", serial="SN-1", connection="tcp:127.0.0.1:9", home_lat=HOME[0], home_lon=HOME[1]
    )
    school = SchoolFactory(name="城关小学", lat=SCHOOL[0], lon=SCHOOL[1], campus=square(*SCHOOL, 0.0003))
    mission, _result = mission_generate(
        kind="school_patrol", drone=drone, actor=pilot, school=school, options={"laps": 2, "alt_m": 40}
    )
    Airspace.objects.create(name="医院禁飞区", kind=Airspace.Kind.NO_FLY, geometry=square(36.1855, 118.1712, 0.0002))
    mission_save(mission=mission, actor=pilot)
    assert mission.status == "rejected" and len(mission.waypoints) == 2 * LAP + 1, mission.waypoints
    return mission


@pytest.fixture
def open_page(signed_in):  # noqa: F811 - the fixture
    """``open_page(username, width, language)``: a signed-in page collecting CSP refusals and script errors."""
    return lambda username, width=1366, language="en": signed_in(username, PASSWORD, width, language)


def _open_planner(page, live_url: str, mission: Mission) -> None:
    page.goto(f"{live_url}/drones/missions/{mission.pk}/")
    page.wait_for_function("() => document.getElementById('planner-map').dataset.loaded === '1'")
    page.wait_for_function("() => document.getElementById('planner-map').dataset.checkDrawn !== undefined")


def _rows(page) -> int:
    return page.locator("#wp-table tbody tr").count()


def _typed(page, index: int) -> tuple[str, str]:
    row = page.locator(f"#wp-table tbody tr[data-index='{index}']")
    return row.locator("[data-field=lat]").input_value(), row.locator("[data-field=lon]").input_value()


def _center(page) -> str:
    return page.get_attribute("#planner-map", "data-center") or ""


@pytest.mark.parametrize("width", [390, 768, 1366])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_planner_is_usable_at_phone_tablet_and_desktop_width(open_page, live_url, width, language):
    pilot = _user("pilot", Role.DRONE_OPERATOR)
    mission = _patrol(pilot)
    page = open_page("pilot", width, language)
    _open_planner(page, live_url, mission)
    # The map is there and tall enough; nothing sticks out sideways; the table scrolls inside its box.
    box = page.locator("#planner-map").bounding_box()
    assert box["height"] >= 250 and box["width"] >= width * 0.45, box
    assert fits(page), f"{width} px {language}: the page scrolls sideways"
    scroller = page.locator(".plannerpanel .table-scroll").bounding_box()
    assert scroller["x"] >= 0 and scroller["x"] + scroller["width"] <= width + 1, scroller
    for button in ("#btn-save", "#btn-undo", "#wp-table tbody tr[data-index='0'] [data-act=insert]"):
        page.locator(button).scroll_into_view_if_needed()
        assert page.locator(button).is_visible(), button
        b = page.locator(button).bounding_box()
        assert b["x"] >= 0 and b["x"] + b["width"] <= width + 1, (button, b)
    # The two laps: the second is dashed in another colour and its rows say "lap 2".
    assert page.get_attribute("#planner-map", "data-laps") == "2"
    lap_word = {"en": "lap 2", "zh-hans": "第 2 圈"}[language]
    assert page.locator("#wp-table .lap-tag", has_text=lap_word).count() == LAP
    assert page.locator(".leaflet-overlay-pane path[stroke-dasharray='8 6']").count() >= LAP
    # The profile has a dot for every waypoint, and the ceiling line.
    assert page.locator("#profile circle[data-wp]").count() == 2 * LAP + 1
    assert page.locator("#profile line.profile-ceiling").count() == 1
    # The layers control offers schools, markets and zones (the school and the zone are drawn).
    page.wait_for_function("() => document.getElementById('planner-map').dataset.airspaceFeatures === '1'")
    names = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    expected = {"en": ["Airspace zones", "Markets", "Schools"], "zh-hans": ["空域区域", "集市", "学校"]}[language]
    for name in expected:
        assert any(name in n for n in names), (name, names)
    # Violations are listed; they are drawn in a pane above the waypoint icons; a click zooms to one.
    problems = page.locator("#violations button.problem")
    assert problems.count() == 2
    z = page.evaluate(
        """() => [getComputedStyle(document.querySelector('.leaflet-violations-pane')).zIndex,
                  getComputedStyle(document.querySelector('.leaflet-marker-pane')).zIndex].map(Number)"""
    )
    assert z[0] > z[1], z
    assert page.locator(".leaflet-violations-pane path").count() == 2
    before = (_center(page), page.get_attribute("#planner-map", "data-zoom"))
    problems.nth(1).click()
    page.wait_for_function("() => document.getElementById('planner-map').dataset.focused === '1'")
    page.wait_for_function(f"() => document.getElementById('planner-map').dataset.center !== '{before[0]}'")
    assert (_center(page), page.get_attribute("#planner-map", "data-zoom")) != before
    assert page.locator("#wp-table tbody tr.hit").count() == 2  # the two ends of the leg
    # An insert from the table, undone.
    page.locator("#wp-table tbody tr[data-index='0'] [data-act=insert]").click()
    assert _rows(page) == 2 * LAP + 2
    page.click("#btn-undo")
    assert _rows(page) == 2 * LAP + 1
    assert page.refusals == []


def test_pilot_inserts_deletes_reorders_undoes_types_gcj02_and_saves(open_page, live_url):
    pilot = _user("pilot", Role.DRONE_OPERATOR)
    mission = _patrol(pilot)
    page = open_page("pilot", 1366, "en")
    _open_planner(page, live_url, mission)
    original = [_typed(page, i) for i in range(_rows(page))]
    n = len(original)

    # Insert after waypoint 1 from the table: halfway to waypoint 2.
    assert page.is_hidden("#dirty-note")
    page.locator("#wp-table tbody tr[data-index='0'] [data-act=insert]").click()
    assert _rows(page) == n + 1
    assert page.is_visible("#dirty-note")  # what would fly is the saved route
    inserted = tuple(float(v) for v in _typed(page, 1))
    assert abs(inserted[0] - (float(original[0][0]) + float(original[1][0])) / 2) < 1e-6
    # Insert by clicking the leg between waypoints 6 and 7 on the map (the midpoint of their icons).
    icons = page.locator(".leaflet-marker-pane .wp-icon")
    a, b = icons.nth(5).bounding_box(), icons.nth(6).bounding_box()
    page.mouse.click((a["x"] + b["x"]) / 2 + a["width"] / 2, (a["y"] + b["y"]) / 2 + a["height"] / 2)
    assert _rows(page) == n + 2
    # Delete waypoint 1; move waypoint 1 (was 2) down.
    page.locator("#wp-table tbody tr[data-index='0'] [data-act=delete]").click()
    assert _rows(page) == n + 1
    first, second = _typed(page, 0), _typed(page, 1)
    page.locator("#wp-table tbody tr[data-index='0'] [data-act=down]").click()
    assert (_typed(page, 0), _typed(page, 1)) == (second, first)
    # A height typed in the table, and a bad one refused with the row and field named.
    page.locator("#wp-table tbody tr[data-index='2'] [data-field=alt_m]").fill("55")
    page.locator("#wp-table tbody tr[data-index='2'] [data-field=alt_m]").press("Tab")
    assert page.locator("#profile circle[data-wp='2'] title").text_content().endswith("55 m")
    page.locator("#wp-table tbody tr[data-index='3'] [data-field=alt_m]").fill("high")
    page.locator("#wp-table tbody tr[data-index='3'] [data-field=alt_m]").press("Tab")
    error = page.inner_text("#table-error")
    assert "Waypoint 4" in error and "height" in error and "“high” is not a number" in error, error
    page.locator("#wp-table tbody tr[data-index='3'] [data-field=lat]").fill("136.2")
    page.locator("#wp-table tbody tr[data-index='3'] [data-field=lat]").press("Tab")
    assert "latitude: must be from -90 to 90" in page.inner_text("#table-error")
    # Undo walks everything back: five edits, three by the button, then Ctrl+Z on the page and in a table
    # field left as it was.
    undo_depth = int(page.get_attribute("#planner-map", "data-undo"))
    assert undo_depth == 5
    for _ in range(3):
        page.click("#btn-undo")
    page.locator("#profile").click()
    page.keyboard.press("Control+z")
    assert page.get_attribute("#planner-map", "data-undo") == "1"
    page.locator("#wp-table tbody tr[data-index='4'] [data-field=hold_s]").focus()
    page.keyboard.press("Control+z")
    assert [_typed(page, i) for i in range(_rows(page))] == original
    assert page.is_disabled("#btn-undo") and page.is_hidden("#dirty-note")
    page.keyboard.press("Control+Shift+z")  # redo: the insert after waypoint 1 is back
    assert _rows(page) == n + 1

    # Waypoint 1 typed in GCJ-02 (as read off AMap), and the launch point typed in WGS-84.
    target = (36.18512, 118.16985)
    g_lon, g_lat = from_wgs84(target[1], target[0], "gcj02")
    page.select_option("#f-crs", "gcj02")
    assert abs(float(_typed(page, 0)[0]) - float(original[0][0])) > 1e-4  # shown in GCJ-02 now
    row = page.locator("#wp-table tbody tr[data-index='0']")
    row.locator("[data-field=lat]").fill(f"{float(g_lat):.7f}")
    row.locator("[data-field=lat]").press("Tab")
    row = page.locator("#wp-table tbody tr[data-index='0']")
    row.locator("[data-field=lon]").fill(f"{float(g_lon):.7f}")
    row.locator("[data-field=lon]").press("Tab")
    page.select_option("#f-crs", "wgs84")
    page.fill("#launch-lat", "36.18495")
    page.fill("#launch-lon", "118.17012")
    page.locator("#launch-lon").press("Tab")
    page.click("#btn-save")
    page.wait_for_function("() => document.getElementById('planner-map').dataset.saved === 'ok'")
    mission.refresh_from_db()
    first = mission.waypoints[0]
    assert haversine_m(first["lat"], first["lon"], *target) < 0.5, first
    assert haversine_m(mission.launch_lat, mission.launch_lon, 36.18495, 118.17012) < 0.05
    assert len(mission.waypoints) == n + 1
    assert all(isinstance(w[k], float | int) for w in mission.waypoints for k in ("lat", "lon", "alt_m"))
    assert page.refusals == []


def test_the_page_converts_gcj02_and_bd09_as_common_geo_does(open_page, live_url):
    pilot = _user("pilot", Role.DRONE_OPERATOR)
    mission = _patrol(pilot)
    page = open_page("pilot", 1366, "en")
    _open_planner(page, live_url, mission)
    places = [(36.185, 118.17), (39.9087, 116.3975), (22.5431, 114.0579), (45.75, 126.65), (30.0, 103.0)]
    for crs in ("gcj02", "bd09"):
        for lat, lon in places:
            shifted_lon, shifted_lat = (float(v) for v in from_wgs84(lon, lat, crs))
            back = page.evaluate(f"() => Coords.toWgs84({shifted_lat}, {shifted_lon}, '{crs}')")
            forward = page.evaluate(f"() => Coords.fromWgs84({lat}, {lon}, '{crs}')")
            assert haversine_m(back[0], back[1], lat, lon) < 0.5, (crs, lat, lon, back)
            assert haversine_m(forward[0], forward[1], shifted_lat, shifted_lon) < 0.5, (crs, lat, lon, forward)
            assert haversine_m(shifted_lat, shifted_lon, lat, lon) > 50  # the datums really differ
    assert page.evaluate("() => Coords.toWgs84(36.2, 118.1, 'wgs84')") == [36.2, 118.1]
    # Laps from the mission's params when a lap comes back the other way (a market area swept back).
    sweep = [[36.18, 118.17], [36.18, 118.171], [36.1805, 118.171], [36.1805, 118.17]]
    back_and_forth = sweep + sweep[::-1][1:]
    laps_of = "([pts, params]) => PlannerRoute.laps(pts.map(p => ({lat: p[0], lon: p[1]})), params)"
    assert page.evaluate(laps_of, [back_and_forth, {"laps": 2}]) == [1, 1, 1, 1, 2, 2, 2]
    assert page.evaluate(laps_of, [back_and_forth, {}]) is None  # not a repeat without the mission saying so
    # A loop flown twice is found from the waypoints alone; a moved point of the second lap breaks it.
    loop = sweep + sweep + [sweep[0]]
    assert page.evaluate(laps_of, [loop, {}]) == [1, 1, 1, 1, 1, 2, 2, 2, 2]
    assert page.evaluate(laps_of, [loop[:5] + [[36.19, 118.17]] + loop[6:], {}]) is None
    assert page.refusals == []


def test_a_viewer_sees_the_plan_but_cannot_change_it(open_page, live_url):
    pilot = _user("pilot", Role.DRONE_OPERATOR)
    _user("chief", Role.LEADERSHIP)
    mission = _patrol(pilot)
    page = open_page("chief", 390, "zh-hans")
    _open_planner(page, live_url, mission)
    assert _rows(page) == 2 * LAP + 1
    assert page.locator("#btn-save, #btn-undo, [data-act]").count() == 0
    assert page.locator("#wp-table input:not([disabled])").count() == 0
    assert page.is_disabled("#launch-lat")
    page.locator("#planner-map").click()
    assert _rows(page) == 2 * LAP + 1
    # The datum selector still shows the route in GCJ-02 for reading against AMap.
    before = _typed(page, 0)
    page.select_option("#f-crs", "gcj02")
    assert _typed(page, 0) != before
    assert fits(page) and page.refusals == []
