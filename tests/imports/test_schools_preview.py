"""School import preview (issue 15): each record's name, WGS-84 position and station; urban schools outside
every zone; a re-import that moves the schools (wrong coordinate system); no China offset outside China;
messages in the reader's language."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from campus.models import School
from common.geo import from_wgs84, haversine_m
from imports.models import ImportBatch
from tests.factories import StationFactory, ZoneFactory, square
from tests.imports.fixtures import counts, csv_bytes, only_problem, preview, problems
from tests.imports.test_schools import apply

pytestmark = pytest.mark.django_db

HEADER = "code,name,level,area,lat,lon"
# Three schools some hundred metres apart inside the sample jurisdiction.
SCHOOLS = [("S001", "First Primary", 36.180, 118.170), ("S002", "Second Junior", 36.185, 118.178),
           ("S003", "Third Primary", 36.176, 118.165)]  # fmt: skip


def _csv(rows, *, area: str = "rural") -> bytes:
    return csv_bytes("\n".join([HEADER, *(f"{c},{n},primary,{area},{lat},{lon}" for c, n, lat, lon in rows)]))


@pytest.fixture
def station(db):
    return StationFactory(code="ST01", name="City Station", jurisdiction=square(36.18, 118.17, 0.2))


def test_preview_lists_name_wgs84_position_and_station_of_each_record(station, scheduler):
    lon, lat = from_wgs84(118.170, 36.180, "gcj02")
    content = csv_bytes(f"{HEADER}\nS001,First Primary,primary,rural,{float(lat):.7f},{float(lon):.7f}\n")
    batch = preview("schools", content, actor=scheduler, crs="gcj02")
    row = batch.report["rows"][0]
    details = row["details"]
    assert details["name"] == "First Primary" and details["station"] == "City Station"
    assert haversine_m(details["lat"], details["lon"], 36.180, 118.170) < 1.0  # converted, not as written
    assert not School.objects.exists()  # a preview writes nothing


def test_preview_page_shows_the_records_columns(station, scheduler, english_client):
    batch = preview("schools", _csv(SCHOOLS[:1]), actor=scheduler)
    english_client.force_login(scheduler)
    page = english_client.get(reverse("campus:import_detail", args=[batch.pk])).content.decode()
    for text in ("Position (WGS-84)", "Responsible station", "First Primary", "36.180000, 118.170000", "City Station"):
        assert text in page, text


def test_record_outside_every_station_shows_no_station(scheduler):
    batch = preview("schools", _csv(SCHOOLS[:1]), actor=scheduler)
    assert batch.report["rows"][0]["details"]["station"] == ""
    assert batch.report["notes"]["schools_without_station"] == 1


def test_urban_school_outside_every_urban_zone_is_a_warning(station, scheduler):
    ZoneFactory(station=station, code="Z1", boundary=square(36.30, 118.30, 0.01))  # far from the school
    batch = preview("schools", _csv(SCHOOLS[:1], area="urban"), actor=scheduler)
    assert batch.status == ImportBatch.Status.PREVIEWED  # a warning: it can still be applied
    (warning,) = problems(batch, "warning")
    assert "outside every urban zone" in warning["message"] and warning["row"] == 2
    assert batch.report["notes"]["urban_schools_outside_zones"] == 1


def test_urban_school_inside_a_zone_and_rural_schools_are_not_warned(station, scheduler):
    zone = ZoneFactory(station=station, code="Z1", boundary=square(36.18, 118.17, 0.05))
    urban = preview("schools", _csv(SCHOOLS[:1], area="urban"), actor=scheduler)
    assert problems(urban, "warning") == []
    assert urban.report["rows"][0]["details"]["zone"] == zone.name
    assert problems(preview("schools", _csv(SCHOOLS[:1]), actor=scheduler), "warning") == []


@pytest.mark.parametrize(("declared", "made_in"), [("wgs84", "gcj02"), ("wgs84", "bd09"), ("gcj02", "wgs84")])
def test_reimport_moving_every_school_says_which_coordinate_system_it_looks_like(station, scheduler, declared, made_in):
    apply("schools", _csv(SCHOOLS), scheduler)
    # The same schools, written in ``made_in`` but declared ``declared``.
    moved = []
    for code, name, lat, lon in SCHOOLS:
        x, y = from_wgs84(lon, lat, made_in)
        moved.append((code, name, f"{float(y):.7f}", f"{float(x):.7f}"))
    batch = preview("schools", _csv(moved), actor=scheduler, crs=declared)
    warnings = [p for p in problems(batch, "warning") if p["row"] is None]
    assert len(warnings) == 1, problems(batch, "warning")
    message = warnings[0]["message"]
    assert "moves 3 of the 3 schools" in message
    label = {"gcj02": "GCJ-02", "bd09": "BD-09", "wgs84": "WGS-84"}[made_in]
    assert f"if read as {label}" in message


def test_reimport_with_small_corrections_is_not_warned(station, scheduler):
    apply("schools", _csv(SCHOOLS), scheduler)
    nudged = [(c, n, lat + 0.0001, lon) for c, n, lat, lon in SCHOOLS]  # ~11 m
    batch = preview("schools", _csv(nudged), actor=scheduler)
    assert [p for p in problems(batch, "warning") if p["row"] is None] == []


def test_one_school_of_several_moved_far_is_not_a_datum_warning(station, scheduler):
    apply("schools", _csv(SCHOOLS), scheduler)
    one_moved = [SCHOOLS[0], SCHOOLS[1], ("S003", "Third Primary", 36.190, 118.190)]
    batch = preview("schools", _csv(one_moved), actor=scheduler)
    assert [p for p in problems(batch, "warning") if p["row"] is None] == []


def test_reimport_moved_with_no_system_fitting_asks_to_check(station, scheduler):
    apply("schools", _csv(SCHOOLS), scheduler)
    far = [(c, n, lat + 0.01, lon + 0.01) for c, n, lat, lon in SCHOOLS]  # ~1.4 km, no datum explains it
    batch = preview("schools", _csv(far), actor=scheduler)
    (warning,) = [p for p in problems(batch, "warning") if p["row"] is None]
    assert "Check that WGS-84" in warning["message"] and "if read as" not in warning["message"]


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_point_outside_china_is_not_converted_and_is_an_error(scheduler, crs):
    before = counts()
    content = csv_bytes(f"{HEADER}\nS001,Tokyo School,primary,rural,35.68,139.76\n")
    batch = preview("schools", content, actor=scheduler, crs=crs)
    problem = only_problem(batch)
    assert problem["row"] == 2 and problem["column"] == "lat"
    assert "(35.68, 139.76) is outside China" in problem["message"]
    assert "was not converted" in problem["message"] and "after conversion" not in problem["message"]
    assert "details" not in batch.report["rows"][0] or "lat" not in batch.report["rows"][0]["details"]
    assert counts() == before


def test_point_outside_china_declared_wgs84_is_still_refused(scheduler):
    batch = preview("schools", csv_bytes(f"{HEADER}\nS001,Tokyo School,primary,rural,35.68,139.76\n"),
                    actor=scheduler)  # fmt: skip
    assert only_problem(batch)["message"] == "(35.68, 139.76) is outside China"


def test_position_messages_are_chinese_on_a_chinese_upload(scheduler):
    with translation.override("zh-hans"):
        swapped = preview("schools", csv_bytes(f"{HEADER}\nS001,First,primary,rural,118.17,36.18\n"), actor=scheduler)
        outside = preview(
            "schools", csv_bytes(f"{HEADER}\nS002,Tokyo,primary,rural,35.68,139.76\n"), actor=scheduler, crs="gcj02"
        )
    for batch in (swapped, outside):
        message = only_problem(batch)["message"]
        assert "swapped" not in message and "outside China" not in message and "converted" not in message
    assert "颠倒" in only_problem(swapped)["message"]
    assert "中国境外" in only_problem(outside)["message"]
