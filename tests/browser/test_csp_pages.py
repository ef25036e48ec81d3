"""The main pages in headless Chromium under the Content-Security-Policy: nothing refused, all still works.

Chromium reports what the policy blocks both as a ``securitypolicyviolation`` event and as a console
error "Refused to ..."; the test records both on every page. It also uses what moved from inline
handlers to static/js/page_actions.js: the language switch, a print button, a select-on-click field.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from common.roles import Role
from drones.missions.services import mission_save
from drones.models import Drone, Flight, Mission
from tests.factories import SchoolFactory, make_user
from tests.patrol.factories import DutyStaffFactory, TermFactory

PASSWORD = "csp-2026-pages"
HOME = (36.185, 118.17)
ROUTE = [{"lat": 36.1853, "lon": 118.17, "alt_m": 20}, {"lat": 36.1853, "lon": 118.1705, "alt_m": 20}]

# Runs before any script of each page: collect violations, and stub the print dialogue (it would block).
INIT_SCRIPT = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.effectiveDirective + " blocked " + (e.blockedURI || "inline") + " at " +
                    (e.sourceFile || "") + ":" + e.lineNumber);
});
window.__printed = 0;
window.print = function () { window.__printed += 1; };
"""


@pytest.fixture
def world(transactional_db):
    admin = make_user(Role.BUREAU_ADMIN, username="csp-admin")
    admin.set_password(PASSWORD)
    admin.save()
    SchoolFactory(name="Hope Primary")
    drone = Drone.objects.create(
        name="巡逻一号", serial="SN-CSP", connection="tcp:127.0.0.1:9", home_lat=HOME[0], home_lon=HOME[1]
    )
    mission = Mission(name="Box", kind="free", drone=drone, waypoints=ROUTE)
    mission_save(mission=mission, actor=admin)
    flight = Flight.objects.create(mission=mission, drone=drone, pilot=admin)
    term = TermFactory()
    staff = DutyStaffFactory(name="Li Wei")
    return {"admin": admin, "drone": drone, "mission": mission, "flight": flight, "term": term, "staff": staff}


@pytest.fixture
def csp_page(page, live_url, world):
    """The signed-in page, with every refusal Chromium reports kept in ``page.refusals``."""
    refusals: list[str] = []
    page.on("console", lambda msg: refusals.append(msg.text) if "Refused to" in msg.text else None)
    page.add_init_script(INIT_SCRIPT)
    page.refusals = refusals
    page.goto(f"{live_url}/accounts/login/")
    page.fill("input[name=username]", "csp-admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_url}/")
    return page


def _open(page, url: str, ready: str | None = None, *, expected: str | None = None) -> None:
    """Open ``url``; fail on any refusal but ``expected`` (a blocked address the page does without)."""
    page.refusals.clear()
    page.goto(url)
    if ready:
        # ReDoc lays out the whole API schema before its first heading: seconds on a busy machine
        page.wait_for_selector(ready, state="attached", timeout=60_000)
    page.wait_for_timeout(600)  # scripts that start after load (maps, websockets, fetches) run
    events = [e for e in page.evaluate("window.__csp") if not (expected and expected in e)]
    assert not events, f"{url}: {events}"
    refusals = [r for r in page.refusals if not (expected and expected in r)]
    assert not refusals, f"{url}: {refusals}"


def test_main_pages_run_without_a_single_policy_violation(csp_page, live_url, world):
    term, flight = world["term"], world["flight"]
    pages = [
        (reverse("home"), None),
        (reverse("drones:live_map"), "#map .leaflet-pane"),
        (reverse("drones:flight_detail", args=[flight.pk]), "#flight-map[data-status]"),
        (reverse("drones:mission_list"), None),
        (reverse("drones:mission_detail", args=[world["mission"].pk]), ".leaflet-pane"),
        (reverse("drones:drone_edit", args=[world["drone"].pk]), "#id_speaker_output"),
        (reverse("drones:airspace_list"), ".leaflet-pane"),
        (reverse("campus:map"), ".leaflet-pane"),
        (reverse("patrol:roster-week", kwargs={"term_id": term.pk}), None),
        (reverse("patrol:roster-sheet", kwargs={"term_id": term.pk}), None),
        (reverse("incidents:report-new"), None),
        (reverse("incidents:analysis-month"), None),
        (reverse("audit_log"), None),
        (reverse("api_docs"), ".swagger-ui .info"),
    ]
    for path, ready in pages:
        _open(csp_page, live_url + path, ready)
    # ReDoc's sidebar always asks Redocly's CDN for its logo; refused, the image hides itself (onError),
    # and an intranet page calls out to nobody.
    _open(csp_page, live_url + reverse("api_redoc"), ".api-content h1", expected="https://cdn.redoc.ly/")


def test_the_drone_form_still_hides_the_servo_fields_for_a_relay(csp_page, live_url, world):
    _open(csp_page, live_url + reverse("drones:drone_edit", args=[world["drone"].pk]), "#id_speaker_output")
    csp_page.select_option("#id_speaker_output", "relay")
    assert csp_page.is_hidden('[data-field="speaker_servo"]')
    assert csp_page.is_visible('[data-field="speaker_relay"]')
    csp_page.select_option("#id_speaker_output", "servo")
    assert csp_page.is_visible('[data-field="speaker_servo"]')
    assert csp_page.is_hidden('[data-field="speaker_relay"]')


def test_the_language_switch_still_submits_on_change(csp_page, live_url, world):
    _open(csp_page, live_url + reverse("home"))
    assert csp_page.get_attribute("html", "lang") == "zh-hans"
    with csp_page.expect_navigation():
        csp_page.select_option("select[name=language]", "en")
    assert csp_page.get_attribute("html", "lang") == "en"
    assert csp_page.url == live_url + "/"
    assert not csp_page.evaluate("window.__csp") and not csp_page.refusals


def test_print_buttons_and_the_calendar_address_still_work(csp_page, live_url, world):
    _open(csp_page, live_url + reverse("patrol:roster-sheet", kwargs={"term_id": world["term"].pk}))
    csp_page.click("button[data-print]")
    assert csp_page.evaluate("window.__printed") == 1
    _open(csp_page, live_url + reverse("patrol:roster-person", kwargs={"staff_id": world["staff"].pk}))
    field = csp_page.locator("input[data-select-on-click]")
    field.click()
    selected = csp_page.evaluate(
        "(() => { const f = document.querySelector('input[data-select-on-click]');"
        " return [f.selectionStart, f.selectionEnd, f.value.length]; })()"
    )
    assert selected[0] == 0 and selected[1] == selected[2] > 0


def test_a_filter_select_still_submits_its_form(csp_page, live_url, world):
    _open(csp_page, live_url + reverse("drones:airspace_list"), ".leaflet-pane")
    with csp_page.expect_navigation():
        csp_page.select_option("select[name=kind]", index=1)
    assert "kind=" in csp_page.url
    assert csp_page.is_hidden("form.filters noscript button") or csp_page.locator("form.filters button").count() == 0
