"""Airspace pages and API, the imports page for fleet managers, and the sample zones and markets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient
from shapely import geometry as shp

from common.models import AuditLogEntry
from common.roles import Role
from drones.airspace.sample import (
    AIRSPACE_FILE,
    MARKETS_CRS,
    MARKETS_FILE,
    SAMPLE_MARKETS,
    SAMPLE_ZONES,
    airspace_geojson,
    load_sample_airspace,
    markets_geojson,
)
from drones.missions.frame import LocalFrame
from drones.missions.markets import CHINA_TZ
from drones.models import Airspace, Market
from imports import services as import_services
from imports.models import ImportBatch
from tests.factories import make_user, square
from tests.imports.fixtures import bowtie

pytestmark = pytest.mark.django_db

SAMPLES = Path(settings.BASE_DIR) / "samples"
STREET = {"type": "LineString", "coordinates": [[118.2248, 36.2658], [118.2312, 36.2671]]}


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def pilot(db):
    return make_user(Role.DRONE_OPERATOR)


@pytest.fixture
def zone(db):
    return Airspace.objects.create(name="看守所", kind="no_fly", geometry=square(36.172, 118.185, 0.001))


@pytest.fixture
def market(db):
    return Market.objects.create(name="青石岭大集", kind="rural", lunar_days=[1, 6, 11, 16, 21, 26], street=STREET)


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


# --- pages ---------------------------------------------------------------------------------------------


def test_airspace_page_lists_zones_and_markets_with_import_links_for_managers(client, pilot, leader, zone, market):
    client.force_login(pilot)
    page = client.get(reverse("drones:airspace_list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "看守所" in text and "青石岭大集" in text and "lunar days 1, 6, 11, 16, 21, 26" in text
    assert reverse("drones_api:airspace-map") in text
    assert f"{reverse('campus:import_list')}?kind=airspace" in text
    client.force_login(leader)
    assert "?kind=airspace" not in client.get(reverse("drones:airspace_list")).content.decode()


def test_zone_page_edit_and_lift(client, pilot, zone):
    client.force_login(pilot)
    assert "看守所" in client.get(reverse("drones:airspace_detail", args=[zone.pk])).content.decode()
    edit = reverse("drones:airspace_edit", args=[zone.pk])
    backwards = client.post(
        edit,
        {
            "name": "看守所",
            "kind": "no_fly",
            "active": "on",
            "valid_from": "2027-01-02T00:00",
            "valid_until": "2027-01-01T00:00",
        },
    )
    assert backwards.status_code == 200 and "The end must be after the start." in backwards.content.decode()
    saved = client.post(
        edit, {"name": "看守所", "kind": "no_fly", "active": "on", "valid_from": "2027-01-01T08:00", "source": "局"}
    )
    assert saved.status_code == 302
    zone.refresh_from_db()
    assert zone.valid_from == dt.datetime(2027, 1, 1, 8, 0, tzinfo=CHINA_TZ) and zone.source == "局"
    lifted = client.post(reverse("drones:airspace_toggle", args=[zone.pk]), {"active": "0", "reason": "moved"})
    assert lifted.status_code == 302
    zone.refresh_from_db()
    assert not zone.active
    entry = AuditLogEntry.objects.get(action="airspace.deactivate")
    assert entry.reason == "moved" and entry.after == {"active": False}


def test_market_page_shows_the_next_sessions_and_edits_the_schedule(client, pilot, market):
    client.force_login(pilot)
    page = client.get(reverse("drones:market_detail", args=[market.pk]))
    assert page.status_code == 200 and page.content.decode().count("<li>") >= 10
    saved = client.post(
        reverse("drones:market_edit", args=[market.pk]),
        {
            "name": "青石岭大集",
            "kind": "rural",
            "lunar_days": "逢三八",
            "opens": "06:30",
            "closes": "11:00",
            "min_alt_m": "35",
            "attendance": "4200",
        },
    )
    assert saved.status_code == 302
    market.refresh_from_db()
    assert market.lunar_days == [3, 8, 13, 18, 23, 28] and market.min_alt_m == 35
    assert market.attendance == 4200  # what publicity campaigns estimate their reach from
    assert "4200" in client.get(reverse("drones:market_detail", args=[market.pk])).content.decode()
    bad = client.post(
        reverse("drones:market_edit", args=[market.pk]),
        {
            "name": "青石岭大集",
            "kind": "rural",
            "lunar_days": "逢x",
            "opens": "06:30",
            "closes": "11:00",
            "min_alt_m": "35",
        },
    )
    assert bad.status_code == 200 and "is not a lunar day" in bad.content.decode()


def test_imports_page_offers_fleet_managers_only_the_airspace_kinds(client, pilot, scheduler):
    client.force_login(pilot)
    page = client.get(reverse("campus:import_list") + "?kind=airspace").content.decode()
    assert '<option value="airspace" selected>' in page and 'value="markets"' in page
    assert 'value="schools"' not in page
    client.force_login(scheduler)
    page = client.get(reverse("campus:import_list")).content.decode()
    assert 'value="schools"' in page and 'value="airspace"' not in page


# --- API -----------------------------------------------------------------------------------------------


def test_api_creates_an_airport_circle_from_centre_and_radius(pilot):
    response = api(pilot).post(
        reverse("drones_api:airspace-list"),
        {"name": "机场", "kind": "airport", "center_lat": 36.3, "center_lon": 118.0, "buffer_m": 3000},
        format="json",
    )
    assert response.status_code == 201, response.json()
    zone = Airspace.objects.get()
    area = LocalFrame(36.3, 118.0).to_local(shp.shape(zone.geometry)).area
    assert area == pytest.approx(3.14159 * 3000**2, rel=0.005)
    assert AuditLogEntry.objects.filter(action="airspace.create").count() == 1


def test_api_refuses_a_self_intersecting_zone_naming_the_reason(pilot):
    response = api(pilot).post(
        reverse("drones_api:airspace-list"),
        {"name": "Z", "kind": "no_fly", "geometry": shp.mapping(bowtie(36.18, 118.17))},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["geometry"][0].startswith("The polygon is invalid: Self-intersection at longitude 118.17")
    assert not Airspace.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"name": "Z", "kind": "no_fly"}, "geometry", "Give the zone's polygon"),
        (
            {"name": "Z", "kind": "airport", "center_lat": 118.0, "center_lon": 36.3, "buffer_m": 10},
            "center_lat",
            "swapped",
        ),
        ({"name": "Z", "kind": "crowd", "geometry": square(36.18, 118.17)}, "min_alt_m", "minimum height"),
    ],
)
def test_api_refuses_bad_zones(pilot, body, field, message):
    response = api(pilot).post(reverse("drones_api:airspace-list"), body, format="json")
    assert response.status_code == 400
    assert message in str(response.json()), response.json()
    assert field in str(response.json())
    assert not Airspace.objects.exists()


def test_api_updates_and_filters_zones(pilot, zone):
    client = api(pilot)
    response = client.patch(reverse("drones_api:airspace-detail", args=[zone.pk]), {"active": False}, format="json")
    assert response.status_code == 200 and response.json()["in_force"] is False
    assert client.get(reverse("drones_api:airspace-list"), {"in_force": "true"}).json()["count"] == 0
    assert client.get(reverse("drones_api:airspace-list"), {"kind": "no_fly"}).json()["count"] == 1


def test_api_markets_accept_lunar_days_as_written(pilot):
    response = api(pilot).post(
        reverse("drones_api:market-list"),
        {"name": "白马泉大集", "kind": "rural", "lunar_days": "逢三八", "street": STREET},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["lunar_days"] == [3, 8, 13, 18, 23, 28] and len(body["next_sessions"]) == 3
    bad = api(pilot).post(
        reverse("drones_api:market-list"),
        {
            "name": "M",
            "kind": "rural",
            "lunar_days": [1],
            "street": {"type": "LineString", "coordinates": [[118.2, 36.2]]},
        },
        format="json",
    )
    assert bad.status_code == 400 and "two different points" in str(bad.json())


def test_map_layer_has_zones_in_force_and_markets_in_session(pilot, zone, market):
    Airspace.objects.create(name="lifted", kind="no_fly", geometry=square(36.2, 118.2, 0.001), active=False)
    client = api(pilot)
    body = client.get(reverse("drones_api:airspace-map"), {"at": "2026-11-09T08:00:00+08:00"}).json()
    assert body["type"] == "FeatureCollection"
    by_name = {f["properties"]["name"]: f["properties"] for f in body["features"]}
    assert set(by_name) == {"看守所", "青石岭大集"}
    assert by_name["青石岭大集"]["in_session"] is True and by_name["青石岭大集"]["crowd_area"]["type"] == "Polygon"
    later = client.get(reverse("drones_api:airspace-map"), {"at": "2026-11-10T08:00:00+08:00"}).json()
    assert [f["properties"]["in_session"] for f in later["features"] if f["properties"]["layer"] == "market"] == [False]
    assert client.get(reverse("drones_api:airspace-map"), {"at": "tomorrow"}).status_code == 400


# --- sample data ---------------------------------------------------------------------------------------


def test_sample_files_match_the_generator_and_import_cleanly(pilot):
    assert (SAMPLES / AIRSPACE_FILE).read_bytes() == airspace_geojson(), (
        "run: manage.py load_sample_airspace --write-files"
    )
    assert (SAMPLES / MARKETS_FILE).read_bytes() == markets_geojson()
    zones = import_services.import_batch_preview(
        kind="airspace",
        crs="wgs84",
        filename=AIRSPACE_FILE,
        content=(SAMPLES / AIRSPACE_FILE).read_bytes(),
        actor=pilot,
    )
    assert zones.status == ImportBatch.Status.PREVIEWED and zones.created_count == len(SAMPLE_ZONES)
    # The markets name their stations, which exist once the sample county is loaded.
    call_command("load_sample_county", verbosity=0)
    markets = import_services.import_batch_preview(
        kind="markets",
        crs=MARKETS_CRS.value,
        filename=MARKETS_FILE,
        content=(SAMPLES / MARKETS_FILE).read_bytes(),
        actor=pilot,
    )
    assert markets.status == ImportBatch.Status.PREVIEWED, markets.report["problems"]
    assert markets.created_count == len(SAMPLE_MARKETS)


def test_load_sample_airspace_is_idempotent_and_marks_sample_data():
    summary = load_sample_airspace()
    assert (summary.zones_created, summary.markets_created) == (len(SAMPLE_ZONES), len(SAMPLE_MARKETS))
    assert not Airspace.objects.filter(is_sample=False).exists() and not Market.objects.filter(is_sample=False).exists()
    batches = ImportBatch.objects.count()
    again = load_sample_airspace()
    assert (again.zones_created, again.zones_updated, again.markets_created, again.markets_updated) == (0, 0, 0, 0)
    assert ImportBatch.objects.count() == batches  # nothing to apply, nothing recorded
    airport = Airspace.objects.get(kind="airport")
    assert airport.buffer_m == 5000 and airport.center_lat == pytest.approx(36.305)
    night = Market.objects.get(kind="night")
    assert night.weekdays == [4, 5] and (night.opens, night.closes) == (dt.time(18), dt.time(22))
    assert sorted(m.lunar_days[:2] for m in Market.objects.filter(kind="rural")) == [[1, 6], [3, 8], [5, 10]]
