"""Every page and endpoint, for every role and for anonymous users.

``MATRIX`` lists each URL name with the request to make and the status code
expected for each role, in the order of ``ROLES``. ``test_matrix_covers_every_url``
fails when a URL exists that the matrix does not list, so a new endpoint
cannot ship without its row here.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from campus.models import DepartmentPairing, LiaisonAssignment
from common.roles import Role
from drones.missions.services import mission_save
from drones.models import Airspace, Battery, ControlLock, Drone, DroneEvent, Flight, Market, Mission, Pilot
from imports.services import import_batch_preview
from tests.campaigns import matrix_content as campaigns_content_matrix
from tests.campaigns import matrix_planning as campaigns_planning_matrix
from tests.campaigns import matrix_reporting as campaigns_reporting_matrix
from tests.campaigns import matrix_sheets as campaigns_sheets_matrix
from tests.drills import matrix as drills_matrix
from tests.factories import (
    DepartmentFactory,
    OfficerFactory,
    SchoolFactory,
    StationFactory,
    ZoneFactory,
    make_user,
    square,
)
from tests.incidents import matrix as incidents_matrix
from tests.notices import matrix as notices_matrix
from tests.patrol import matrix as patrol_matrix
from tests.permission_case import ROLE_IDS, ROLES, Case
from tests.reports import matrix as reports_matrix


def _school_a(w):
    return {"pk": w["school_a"].pk}


def _school_b(w):
    return {"pk": w["school_b"].pk}


def _officer(w):
    return {"pk": w["officer_free"].pk}


def _liaison(w):
    return {"pk": w["liaison"].pk}


def _pairing(w):
    return {"pk": w["pairing"].pk}


def _drone(w):
    return {"pk": w["drone"].pk}


def _battery(w):
    return {"pk": w["battery"].pk}


def _pilot(w):
    return {"pk": w["pilot"].pk}


def _mission(w):
    return {"pk": w["mission"].pk}


def _flight(w):
    return {"pk": w["flight"].pk}


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 6), (20, 90, 180)).save(out, format="PNG")
    return out.getvalue()


def _snapshot_upload(w):
    return {"image": SimpleUploadedFile("frame.png", _png(), content_type="image/png")}


def _flight_snapshot(w):
    from drones.models import FlightSnapshot

    snapshot = FlightSnapshot.objects.filter(flight=w["flight"]).first() or FlightSnapshot.objects.create(
        flight=w["flight"], taken_at=timezone.now(), image=_png(), width=8, height=6, size_bytes=10
    )
    return {"pk": w["flight"].pk, "snapshot_id": snapshot.pk}


def _wpl_upload(w):
    text = (
        "QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t36.185\t118.17\t0\t1\n"
        "1\t0\t3\t22\t0\t0\t0\t0\t0\t0\t20\t1\n2\t0\t3\t16\t0\t0\t0\t0\t36.1853\t118.17\t20\t1\n"
        "3\t0\t3\t16\t0\t0\t0\t0\t36.1853\t118.1705\t20\t1\n"
    )
    return {"drone": w["drone"].pk, "file": SimpleUploadedFile("m.waypoints", text.encode())}


ROUTE = [{"lat": 36.1853, "lon": 118.17, "alt_m": 20}, {"lat": 36.1853, "lon": 118.1705, "alt_m": 20}]


def _batch(w):
    return {"pk": w["batch"].pk}


def _import_upload(w):
    return {"kind": "departments", "crs": "wgs84", "file": SimpleUploadedFile("d.csv", b"code,name\r\nD99,X\r\n")}


AIRSPACE_FILE = (
    b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"NF","kind":"no_fly"},'
    b'"geometry":{"type":"Polygon","coordinates":[[[118.17,36.18],[118.18,36.18],[118.18,36.19],[118.17,36.18]]]}}]}'
)


def _airspace_upload(w):
    return {"kind": "airspace", "crs": "wgs84", "file": SimpleUploadedFile("a.geojson", AIRSPACE_FILE)}


def _airspace_batch(w):
    return {"pk": w["airspace_batch"].pk}


def _airspace_zone(w):
    return {"pk": w["airspace_zone"].pk}


def _market(w):
    return {"pk": w["market"].pk}


PAGE_ALL = "302 200 200 200 200 200 200"
PAGE_POLICE = "302 200 200 200 403 403 200"  # VIEW_COVERAGE
PAGE_ASSIGN = "302 302 302 403 403 403 403"  # ASSIGN_LIAISON / EDIT_REGISTRY, success redirects
API_ALL = "401 200 200 200 200 200 200"
API_POLICE = "401 200 200 200 403 403 200"
API_AUDIT = "401 200 403 403 403 403 200"
PAGE_DRONES = "302 200 403 403 403 200 200"  # VIEW_DRONES
PAGE_FLEET_EDIT = "302 200 403 403 403 200 403"  # MANAGE_FLEET
PAGE_FLEET_SAVE = "302 302 403 403 403 302 403"  # MANAGE_FLEET, success redirects
API_FLEET_CREATE = "401 201 403 403 403 201 403"
API_FLEET_UPDATE = "401 200 403 403 403 200 403"
API_DRONES = "401 200 403 403 403 200 200"

MATRIX: list[Case] = [
    Case("home", PAGE_ALL),
    Case("login", "200 200 200 200 200 200 200"),
    Case("logout", "302 302 302 302 302 302 302", method="post"),
    Case("api_token", PAGE_ALL),
    Case("api_token", "302 201 201 201 201 201 201", method="post", data=lambda w: {"name": "m", "ttl_days": 30}),
    # Only one's own tokens: any other id is a 404 (tests/security/test_api_tokens.py revokes another's).
    Case("api_token_revoke", "302 404 404 404 404 404 404", method="post", kwargs=lambda w: {"pk": 999999}),
    Case("api_tokens_revoke_all", "302 302 302 302 302 302 302", method="post"),
    Case("audit_log", "302 200 403 403 403 403 200"),
    # Map tiles: signed-in users only (403, not a login redirect: an image request cannot follow one); a layer
    # that does not exist is a 404 for everyone signed in (tests/common/test_tiles.py serves real ones).
    Case(
        "map_tile",
        "403 404 404 404 404 404 404 404",
        kwargs=lambda w: {"layer": "no-such-layer", "z": 1, "x": 0, "y": 0, "ext": "png"},
    ),
    Case("set_language", "302 302 302 302 302 302 302", method="post", data=lambda w: {"language": "en"}),
    Case("campus:school_list", PAGE_ALL),
    Case("campus:school_detail", PAGE_ALL, kwargs=_school_a, label="own school"),
    Case("campus:school_detail", "302 200 200 200 404 200 200", kwargs=_school_b, label="other school"),
    Case(
        "campus:school_liaison_assign",
        PAGE_ASSIGN,
        method="post",
        kwargs=_school_a,
        data=lambda w: {"officer": w["officer_free"].pk, "reason": "matrix"},
    ),
    Case("campus:school_liaison_end", PAGE_ASSIGN, method="post", kwargs=_school_a, data=lambda w: {"reason": "x"}),
    Case(
        "campus:school_pairing_assign",
        PAGE_ASSIGN,
        method="post",
        kwargs=_school_a,
        data=lambda w: {"department": w["department2"].pk},
    ),
    Case("campus:school_pairing_end", PAGE_ASSIGN, method="post", kwargs=_school_a, data=lambda w: {"reason": "x"}),
    Case("campus:station_list", PAGE_POLICE),
    Case("campus:station_detail", PAGE_POLICE, kwargs=lambda w: {"pk": w["station"].pk}),
    Case("campus:officer_list", PAGE_POLICE),
    Case("campus:officer_detail", PAGE_POLICE, kwargs=_officer),
    Case("campus:officer_deactivate", PAGE_ASSIGN, method="post", kwargs=_officer, data=lambda w: {"reason": "x"}),
    Case("campus:officer_activate", PAGE_ASSIGN, method="post", kwargs=_officer),
    Case(
        "campus:officer_transfer",
        PAGE_ASSIGN,
        method="post",
        kwargs=_officer,
        data=lambda w: {"station": w["station2"].pk, "reason": "x"},
    ),
    Case("campus:map", PAGE_ALL),
    Case("campus:coverage", PAGE_POLICE),
    Case("campus:coverage_export", PAGE_POLICE),
    # Registry kinds need IMPORT_DATA; airspace and markets MANAGE_FLEET. Kinds a user may not import are not
    # offered (the form refuses them: 200) and their batches are not found (404).
    Case("campus:import_list", "302 200 200 403 403 200 403"),
    Case("campus:import_list", "302 302 302 403 403 200 403", method="post", label="upload", data=_import_upload),
    Case(
        "campus:import_list",
        "302 302 200 403 403 302 403",
        method="post",
        label="upload airspace",
        data=_airspace_upload,
    ),
    Case("campus:import_detail", "302 200 200 403 403 404 403", kwargs=_batch),
    Case("campus:import_detail", "302 200 404 403 403 200 403", kwargs=_airspace_batch, label="airspace"),
    Case("campus:import_apply", "302 302 302 403 403 404 403", method="post", kwargs=_batch),
    Case("campus:import_apply", "302 302 404 403 403 302 403", method="post", kwargs=_airspace_batch, label="airspace"),
    Case("drones:fleet_list", PAGE_DRONES),
    Case("drones:live_map", PAGE_DRONES),
    Case("drones:drone_detail", PAGE_DRONES, kwargs=_drone),
    Case("drones:drone_add", PAGE_FLEET_EDIT),
    Case("drones:drone_edit", PAGE_FLEET_EDIT, kwargs=_drone),
    Case("drones:pilot_list", PAGE_DRONES),
    Case("drones:pilot_add", PAGE_FLEET_EDIT),
    Case("drones:pilot_edit", PAGE_FLEET_EDIT, kwargs=_pilot),
    Case("drones:battery_list", PAGE_DRONES),
    Case("drones:battery_add", PAGE_FLEET_EDIT),
    Case("drones:battery_edit", PAGE_FLEET_EDIT, kwargs=_battery),
    Case("drones:mission_list", PAGE_DRONES),
    Case("drones:mission_detail", PAGE_DRONES, kwargs=_mission),
    Case("drones:flight_list", PAGE_DRONES),
    Case("drones:flight_detail", PAGE_DRONES, kwargs=_flight),
    Case("drones:airspace_list", PAGE_DRONES),
    Case("drones:airspace_detail", PAGE_DRONES, kwargs=_airspace_zone),
    Case("drones:airspace_edit", PAGE_FLEET_EDIT, kwargs=_airspace_zone),
    Case(
        "drones:airspace_edit",
        PAGE_FLEET_SAVE,
        method="post",
        label="save",
        kwargs=_airspace_zone,
        data=lambda w: {"name": "Z2", "kind": "no_fly", "active": "on", "source": "matrix"},
    ),
    Case(
        "drones:airspace_toggle", PAGE_FLEET_SAVE, method="post", kwargs=_airspace_zone, data=lambda w: {"active": "0"}
    ),
    Case("drones:market_detail", PAGE_DRONES, kwargs=_market),
    Case("drones:market_edit", PAGE_FLEET_EDIT, kwargs=_market),
    Case(
        "drones:market_edit",
        PAGE_FLEET_SAVE,
        method="post",
        label="save",
        kwargs=_market,
        data=lambda w: {
            "name": "M2",
            "kind": "rural",
            "lunar_days": "1,6",
            "opens": "07:00",
            "closes": "12:00",
            "min_alt_m": "30",
        },
    ),
    # API
    Case("api_root", API_ALL),
    Case("api_schema", API_ALL),
    Case("api_docs", API_ALL),
    Case("api_redoc", API_ALL),
    Case("api_audit", API_AUDIT),
    Case("api_me", API_ALL),
    Case("api_dashboard", API_ALL),
    Case("campus_api:root", API_ALL),
    Case("campus_api:coverage", API_POLICE),
    Case("campus_api:map_layers", API_ALL),
    Case("campus_api:station-list", API_POLICE),
    Case(
        "campus_api:station-list",
        "401 201 201 403 403 403 403",
        method="post",
        json=True,
        label="create",
        data=lambda w: {"code": "NEW", "name": "New station", "jurisdiction": square(36.7, 118.7, 0.01)},
    ),
    Case("campus_api:station-detail", API_POLICE, kwargs=lambda w: {"pk": w["station"].pk}),
    Case(
        "campus_api:station-detail",
        "401 200 200 403 403 403 403",
        method="patch",
        json=True,
        label="update",
        kwargs=lambda w: {"pk": w["station"].pk},
        data=lambda w: {"duty_phone": "0533-1234567"},
    ),
    Case("campus_api:zone-list", API_POLICE),
    Case("campus_api:zone-detail", API_POLICE, kwargs=lambda w: {"pk": w["zone"].pk}),
    Case("campus_api:department-list", API_POLICE),
    Case("campus_api:department-detail", API_POLICE, kwargs=lambda w: {"pk": w["department"].pk}),
    Case("campus_api:officer-list", API_POLICE),
    Case("campus_api:officer-detail", API_POLICE, kwargs=_officer),
    Case(
        "campus_api:officer-deactivate",
        "401 200 200 403 403 403 403",
        method="post",
        json=True,
        kwargs=_officer,
        data=lambda w: {"reason": "left"},
    ),
    Case("campus_api:officer-activate", "401 200 200 403 403 403 403", method="post", json=True, kwargs=_officer),
    Case(
        "campus_api:officer-transfer",
        "401 200 200 403 403 403 403",
        method="post",
        json=True,
        kwargs=_officer,
        data=lambda w: {"station": w["station2"].pk, "reason": "moved"},
    ),
    Case("campus_api:school-list", API_ALL),
    Case(
        "campus_api:school-list",
        "401 201 201 403 403 403 403",
        method="post",
        json=True,
        label="create",
        data=lambda w: {
            "code": "NEW1",
            "name": "New school",
            "level": "primary",
            "area": "rural",
            "lat": 36.18,
            "lon": 118.17,
        },
    ),
    Case("campus_api:school-detail", API_ALL, kwargs=_school_a, label="own school"),
    Case("campus_api:school-detail", "401 200 200 200 404 200 200", kwargs=_school_b, label="other school"),
    Case("campus_api:school-liaison-candidates", "401 200 200 403 403 403 403", kwargs=_school_a),
    Case("campus_api:school-liaison-history", API_ALL, kwargs=_school_a),
    Case("campus_api:liaison-list", API_POLICE),
    Case(
        "campus_api:liaison-list",
        "401 201 201 403 403 403 403",
        method="post",
        json=True,
        label="assign",
        data=lambda w: {"school": w["school_b"].pk, "officer": w["officer_free"].pk},
    ),
    Case("campus_api:liaison-detail", API_POLICE, kwargs=_liaison),
    Case(
        "campus_api:liaison-end",
        "401 200 200 403 403 403 403",
        method="post",
        json=True,
        kwargs=_liaison,
        data=lambda w: {"reason": "term over"},
    ),
    Case("campus_api:pairing-list", API_POLICE),
    Case(
        "campus_api:pairing-list",
        "401 201 201 403 403 403 403",
        method="post",
        json=True,
        label="pair",
        data=lambda w: {"school": w["school_b"].pk, "department": w["department"].pk},
    ),
    Case("drones_api:root", API_ALL),
    Case("drones_api:drone-list", API_DRONES),
    Case(
        "drones_api:drone-list",
        "401 201 403 403 403 201 403",
        method="post",
        json=True,
        label="create",
        data=lambda w: {"name": "New", "serial": "N1", "connection": "tcp:127.0.0.1:5800"},
    ),
    Case("drones_api:drone-detail", API_DRONES, kwargs=_drone),
    Case(
        "drones_api:drone-detail",
        "401 200 403 403 403 200 403",
        method="patch",
        json=True,
        label="update",
        kwargs=_drone,
        data=lambda w: {"notes": "checked"},
    ),
    Case("drones_api:drone-events", API_DRONES, kwargs=_drone),
    Case("drones_api:drone-track", API_DRONES, kwargs=_drone),
    Case("drones_api:pilot-list", API_DRONES),
    Case("drones_api:pilot-detail", API_DRONES, kwargs=_pilot),
    Case("drones_api:battery-list", API_DRONES),
    Case("drones_api:battery-detail", API_DRONES, kwargs=_battery),
    Case("drones_api:drone-lock", "401 403 403 403 403 200 403", method="post", json=True, kwargs=_drone),
    Case("drones_api:alert-list", API_DRONES),
    Case(
        "drones_api:alert-ack",
        "401 200 403 403 403 200 200",
        method="post",
        json=True,
        kwargs=lambda w: {"pk": w["alert"].pk},
    ),
    Case("drones_api:drone-lock", "401 403 403 403 403 204 403", method="delete", kwargs=_drone, label="release"),
    # The pilot holds the lock; no bridge runs in this test, so the command fails with 503 and says why.
    Case(
        "drones_api:drone-command",
        "401 403 403 403 403 503 403",
        method="post",
        json=True,
        kwargs=_drone,
        data=lambda w: {"command": "land"},
    ),
    Case("drones_api:mission-list", API_DRONES),
    Case(
        "drones_api:mission-list",
        "401 201 403 403 403 201 403",
        method="post",
        json=True,
        label="create",
        data=lambda w: {"name": "M", "kind": "free", "drone": w["drone"].pk, "waypoints": ROUTE},
    ),
    Case("drones_api:mission-detail", API_DRONES, kwargs=_mission),
    Case(
        "drones_api:mission-detail",
        "401 200 403 403 403 200 403",
        method="patch",
        json=True,
        label="update",
        kwargs=_mission,
        data=lambda w: {"name": "Renamed"},
    ),
    Case("drones_api:mission-check", "401 200 403 403 403 200 403", method="post", json=True, kwargs=_mission),
    Case("drones_api:mission-map-layers", API_DRONES, kwargs=_mission),
    Case("drones_api:mission-export", API_DRONES, kwargs=_mission),
    Case(
        "drones_api:mission-generate",
        "401 201 403 403 403 201 403",
        method="post",
        json=True,
        data=lambda w: {"kind": "point_broadcast", "drone": w["drone"].pk, "points": [[36.1852, 118.1702]]},
    ),
    Case("drones_api:mission-import-file", "401 201 403 403 403 201 403", method="post", data=_wpl_upload),
    # Only a pilot (holding the drone's control) opens a flight.
    Case("drones_api:mission-fly", "401 403 403 403 403 201 403", method="post", json=True, kwargs=_mission),
    Case("drones_api:flight-list", API_DRONES),
    Case("drones_api:flight-detail", API_DRONES, kwargs=_flight),
    Case("drones_api:flight-log", API_DRONES, kwargs=_flight),
    Case("drones_api:flight-export", API_DRONES, kwargs=_flight),
    Case("drones_api:flight-snapshots", API_DRONES, kwargs=_flight),
    # A frame of the live video into the flight log: whoever commands drones.
    Case(
        "drones_api:flight-snapshots",
        "401 403 403 403 403 201 403",
        method="post",
        label="take",
        kwargs=_flight,
        data=_snapshot_upload,
    ),
    Case("drones_api:flight-snapshot-image", API_DRONES, kwargs=_flight_snapshot),
    # No bridge runs here: the checklist shows the link down; what needs the vehicle fails (503 no bridge, 409 refused).
    Case("drones_api:flight-preflight", "401 403 403 403 403 200 403", method="post", json=True, kwargs=_flight),
    Case("drones_api:flight-fix-params", "401 403 403 403 403 503 403", method="post", json=True, kwargs=_flight),
    Case(
        "drones_api:flight-approval",
        "401 403 403 403 403 200 403",
        method="post",
        json=True,
        kwargs=_flight,
        data=lambda w: {"approval_ref": "A-1"},
    ),
    Case(
        "drones_api:flight-start",
        "401 403 403 403 403 409 403",
        method="post",
        json=True,
        kwargs=_flight,
        data=lambda w: {"confirmed": True},
    ),
    Case("drones_api:flight-cancel", "401 403 403 403 403 200 403", method="post", json=True, kwargs=_flight),
    Case(
        "drones_api:flight-command",
        "401 403 403 403 403 409 403",
        method="post",
        json=True,
        kwargs=_flight,
        data=lambda w: {"command": "pause"},
    ),
    Case("campus_api:import-list", "401 200 200 403 403 200 403"),
    Case("campus_api:import-list", "401 201 201 403 403 403 403", method="post", label="upload", data=_import_upload),
    Case(
        "campus_api:import-list",
        "401 201 403 403 403 201 403",
        method="post",
        label="upload airspace",
        data=_airspace_upload,
    ),
    Case("campus_api:import-detail", "401 200 200 403 403 404 403", kwargs=_batch),
    Case("campus_api:import-detail", "401 200 404 403 403 200 403", kwargs=_airspace_batch, label="airspace"),
    Case("campus_api:import-apply", "401 200 200 403 403 404 403", method="post", kwargs=_batch),
    Case(
        "campus_api:import-apply",
        "401 200 404 403 403 200 403",
        method="post",
        kwargs=_airspace_batch,
        label="airspace",
    ),
    Case("drones_api:airspace-list", API_DRONES),
    Case(
        "drones_api:airspace-list",
        API_FLEET_CREATE,
        method="post",
        json=True,
        label="create",
        data=lambda w: {
            "name": "Airport",
            "kind": "airport",
            "center_lat": 36.3,
            "center_lon": 118.0,
            "buffer_m": 3000,
        },
    ),
    Case("drones_api:airspace-detail", API_DRONES, kwargs=_airspace_zone),
    Case(
        "drones_api:airspace-detail",
        API_FLEET_UPDATE,
        method="patch",
        json=True,
        label="update",
        kwargs=_airspace_zone,
        data=lambda w: {"active": False},
    ),
    Case("drones_api:airspace-map", API_DRONES),
    Case("drones_api:market-list", API_DRONES),
    Case(
        "drones_api:market-list",
        API_FLEET_CREATE,
        method="post",
        json=True,
        label="create",
        data=lambda w: {
            "name": "New market",
            "kind": "rural",
            "lunar_days": "逢三八",
            "street": {"type": "LineString", "coordinates": [[118.17, 36.18], [118.172, 36.181]]},
        },
    ),
    Case("drones_api:market-detail", API_DRONES, kwargs=_market),
    Case(
        "drones_api:market-detail",
        API_FLEET_UPDATE,
        method="patch",
        json=True,
        label="update",
        kwargs=_market,
        data=lambda w: {"min_alt_m": 40},
    ),
    Case(
        "campus_api:pairing-end",
        "401 200 200 403 403 403 403",
        method="post",
        json=True,
        kwargs=_pairing,
        data=lambda w: {"reason": "done"},
    ),
]

MATRIX += patrol_matrix.CASES
MATRIX += incidents_matrix.CASES
MATRIX += drills_matrix.CASES
MATRIX += notices_matrix.CASES
MATRIX += campaigns_planning_matrix.CASES
MATRIX += campaigns_content_matrix.CASES
MATRIX += campaigns_sheets_matrix.CASES
MATRIX += campaigns_reporting_matrix.CASES
MATRIX += reports_matrix.CASES

# URL names that are not ours to test here: Django admin has its own staff-only checks.
EXCLUDED_NAMESPACES = {"admin"}


def _all_url_names() -> set[str]:
    names: set[str] = set()

    def walk(resolver: URLResolver, namespace: str) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace or ""
                if ns in EXCLUDED_NAMESPACES:
                    continue
                walk(pattern, f"{namespace}:{ns}".strip(":") if ns else namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver(), "")
    return names


def test_matrix_covers_every_url():
    missing = _all_url_names() - {case.name for case in MATRIX}
    assert not missing, f"URLs without a row in the permission matrix: {sorted(missing)}"


@pytest.fixture(scope="module")
def world_once(django_db_setup, django_db_blocker):
    """The matrix's world, built once for the ~2,400 cases instead of once per case.

    It lives in a transaction opened here and rolled back when the module ends; each case runs in its own
    savepoint inside it (pytest-django's ``db``), so whatever a case writes is undone before the next one.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            objects = _build_world()
            # One signed-in session per role, made once: a case sends its cookie instead of logging in
            # eight times (a third of the matrix's time). Sessions live in the database, so a case that
            # logs out or changes its session has that undone with the rest of its savepoint.
            objects["sessions"] = {}
            for role, user in objects["users"].items():
                if user is not None:
                    client = Client()
                    client.force_login(user)
                    objects["sessions"][role] = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield objects
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def world(world_once, db, settings):
    settings.DRONE_COMMAND_TIMEOUT_S = 0.2
    # The world was built minutes ago: renew the operator's control, which lapses after DRONE_CONTROL_LOCK_S.
    ControlLock.objects.filter(drone=world_once["drone"]).update(renewed_at=timezone.now())
    return world_once


def _build_world() -> dict:
    station = StationFactory(jurisdiction=square(36.18, 118.17, 0.2))
    station2 = StationFactory(lat=36.6, lon=118.6)
    school_a = SchoolFactory(lat=36.18, lon=118.17)
    school_b = SchoolFactory(lat=36.19, lon=118.18)
    liaison_officer = OfficerFactory(station=station)
    officer_free = OfficerFactory(station=station)
    department = DepartmentFactory()
    department2 = DepartmentFactory()
    liaison = LiaisonAssignment.objects.create(
        school=school_a, officer=liaison_officer, station_at_start=station, started_at=timezone.now()
    )
    pairing = DepartmentPairing.objects.create(school=school_a, department=department, started_at=timezone.now())
    users = {
        None: None,
        Role.BUREAU_ADMIN: make_user(Role.BUREAU_ADMIN),
        Role.BRIGADE_SCHEDULER: make_user(Role.BRIGADE_SCHEDULER),
        Role.STATION_OFFICER: make_user(Role.STATION_OFFICER, officer=liaison_officer),
        Role.SCHOOL_STAFF: make_user(Role.SCHOOL_STAFF, school=school_a),
        Role.DRONE_OPERATOR: make_user(Role.DRONE_OPERATOR),
        Role.LEADERSHIP: make_user(Role.LEADERSHIP),
        Role.PUBLICITY_OFFICER: make_user(Role.PUBLICITY_OFFICER),
    }
    drone = Drone.objects.create(
        name="D1",
        serial="S1",
        connection="tcp:127.0.0.1:5760",
        home_lat=36.185,
        home_lon=118.17,
        payloads=["loudspeaker"],
    )
    pilot = Pilot.objects.create(
        user=users[Role.DRONE_OPERATOR], licence_no="L1", licence_expiry=timezone.localdate() + dt.timedelta(days=30)
    )
    now = timezone.now()
    ControlLock.objects.create(drone=drone, holder=users[Role.DRONE_OPERATOR], acquired_at=now, renewed_at=now)
    mission = Mission(name="M0", kind="free", drone=drone, waypoints=ROUTE)
    mission_save(mission=mission, actor=users[Role.DRONE_OPERATOR])
    assert mission.status == "ready", mission.validation
    flight = Flight.objects.create(mission=mission, drone=drone, pilot=users[Role.DRONE_OPERATOR])
    objects = {
        "mission": mission,
        "flight": flight,
        "drone": drone,
        "alert": DroneEvent.objects.create(
            drone=drone, at=now, kind="fence", text="Polygon fence breached", alert="fence"
        ),
        "pilot": pilot,
        "battery": Battery.objects.create(serial="B1", drone=drone),
        "station": station,
        "station2": station2,
        "school_a": school_a,
        "school_b": school_b,
        "officer_free": officer_free,
        "department": department,
        "department2": department2,
        "liaison": liaison,
        "pairing": pairing,
        "zone": ZoneFactory(station=station),
        "users": users,
        "batch": import_batch_preview(
            kind="departments", crs="wgs84", filename="d.csv", content=b"code,name\r\nD98,Y\r\n", system=True
        ),
        "airspace_batch": import_batch_preview(
            kind="airspace", crs="wgs84", filename="a.geojson", content=AIRSPACE_FILE, system=True
        ),
        "airspace_zone": Airspace.objects.create(name="Z1", kind="no_fly", geometry=square(36.18, 118.2, 0.002)),
        "market": Market.objects.create(
            name="M1",
            kind="rural",
            lunar_days=[1, 6, 11, 16, 21, 26],
            street={"type": "LineString", "coordinates": [[118.17, 36.18], [118.172, 36.181]]},
        ),
    }
    objects.update(patrol_matrix.build(objects))
    objects.update(incidents_matrix.build(objects))
    objects.update(drills_matrix.build(objects))
    objects.update(notices_matrix.build(objects))
    objects.update(campaigns_planning_matrix.build(objects))
    objects.update(campaigns_content_matrix.build(objects))
    objects.update(campaigns_sheets_matrix.build(objects))
    objects.update(campaigns_reporting_matrix.build(objects))
    objects.update(reports_matrix.build(objects))
    return objects


def _request(client, world, case: Case):
    url = reverse(case.name, kwargs=case.kwargs(world) if case.kwargs else None)
    body = case.data(world) if case.data else {}
    send = getattr(client, case.method)
    if case.json:
        return url, send(url, body, content_type="application/json")
    if case.method == "get":
        return url, send(url)
    return url, send(url, body)


@pytest.mark.parametrize(
    "case", MATRIX, ids=[f"{c.name}[{c.method}{(' ' + c.label) if c.label else ''}]" for c in MATRIX]
)
def test_permission_matrix(world, case: Case):
    """The case's request once per role (anonymous first), each in its own savepoint so what one role's
    request writes is undone before the next; every role's mismatch is reported at once."""
    mismatches = []
    for role_index, role in enumerate(ROLES):
        client = Client()
        if role is not None:
            client.cookies[django_settings.SESSION_COOKIE_NAME] = world["sessions"][role]
        with transaction.atomic():
            url, response = _request(client, world, case)
            transaction.set_rollback(True)
        expected = case.codes()[role_index]
        if response.status_code != expected:
            mismatches.append(
                f"{case.method.upper()} {url} as {ROLE_IDS[role_index]}: {response.status_code}, expected {expected}; "
                f"{getattr(response, 'content', b'')[:300]!r}"
            )
        elif expected == 302 and role is None and case.name not in ("logout", "set_language"):
            if reverse("login") not in response["Location"]:
                mismatches.append(f"{url} as anonymous redirects to {response['Location']}, not to the login page")
    assert not mismatches, "\n".join(mismatches)
