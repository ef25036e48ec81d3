"""School imports: datum conversion, responsible station, re-import, and every bad input refused by row and column."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest

from campus.models import SafetyContact, School
from common.errors import Conflict
from common.geo import from_wgs84, haversine_m
from common.models import AuditLogEntry
from imports import services
from imports.models import ImportBatch
from tests.factories import StationFactory, ZoneFactory, square
from tests.imports.fixtures import counts, csv_bytes, only_problem, preview, problems

pytestmark = pytest.mark.django_db

HEADER = "code,name,level,area,lat,lon"
GOOD = f"""
{HEADER}
S001,First Primary,primary,rural,36.18,118.17
S002,Second Junior,junior,rural,36.19,118.18
"""


@pytest.fixture
def station(db):
    return StationFactory(code="ST01", jurisdiction=square(36.18, 118.17, 0.2))


def apply(kind: str, content: bytes, actor, *, crs: str = "wgs84", filename: str = "upload.csv") -> ImportBatch:
    batch = preview(kind, content, actor=actor, crs=crs, filename=filename)
    assert batch.status == ImportBatch.Status.PREVIEWED, batch.report["problems"]
    return services.import_batch_apply(batch=batch, actor=actor)


def refused(content: bytes, actor, *, crs: str = "wgs84", filename: str = "upload.csv") -> dict:
    """Preview a bad file, check nothing was written and it cannot be applied; return its one error."""
    before = counts()
    batch = preview("schools", content, actor=actor, crs=crs, filename=filename)
    assert batch.status == ImportBatch.Status.FAILED
    with pytest.raises(Conflict):
        services.import_batch_apply(batch=batch, actor=actor)
    one_pass = services.import_batch_run(
        kind="schools", crs=crs, filename=filename, content=content, actor=actor, dry_run=False
    )
    assert one_pass.status == ImportBatch.Status.FAILED
    assert counts() == before
    return only_problem(batch)


# --- conversion and responsibility -------------------------------------------------------------


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_converted_position_lands_within_a_metre_of_the_wgs84_point(station, scheduler, crs):
    lat, lon = 36.181234, 118.171234
    x, y = from_wgs84(lon, lat, crs)
    content = csv_bytes(f"{HEADER}\nS001,First Primary,primary,rural,{float(y):.7f},{float(x):.7f}")
    apply("schools", content, scheduler, crs=crs)
    school = School.objects.get(code="S001")
    assert haversine_m(school.lat, school.lon, lat, lon) < 1.0
    # The file's values really were offset: storing them unconverted would be 100+ m off.
    assert haversine_m(float(y), float(x), lat, lon) > 100.0


def test_schools_get_their_responsible_station_by_zone_or_jurisdiction(scheduler):
    outer = StationFactory(code="OUT", jurisdiction=square(36.18, 118.17, 0.2))
    town = StationFactory(code="TOWN", jurisdiction=square(36.6, 118.6, 0.01))
    zone = ZoneFactory(code="Z1", station=town, boundary=square(36.18, 118.17, 0.01))
    content = csv_bytes(
        f"""
{HEADER}
U1,Town Primary,primary,urban,36.18,118.17
R1,Village Primary,primary,rural,36.18,118.17
R2,Far Primary,primary,rural,30.0,110.0
"""
    )
    batch = apply("schools", content, scheduler)
    urban, rural, far = (School.objects.get(code=c) for c in ("U1", "R1", "R2"))
    assert (urban.responsible_station, urban.zone) == (town, zone)
    assert (rural.responsible_station, rural.zone) == (outer, None)
    assert far.responsible_station is None
    warning = problems(batch, "warning")
    assert [(w["row"], w["column"]) for w in warning] == [(4, "lat")]
    assert "outside every station" in warning[0]["message"]
    assert batch.report["notes"]["schools_without_station"] == 1


def test_applied_batch_writes_one_audit_entry_with_counts(station, scheduler):
    batch = apply("schools", csv_bytes(GOOD), scheduler)
    entry = AuditLogEntry.objects.get()
    assert (entry.action, entry.actor, entry.object_id) == ("import.apply", scheduler, str(batch.pk))
    assert entry.after["created"] == 2 and entry.after["kind"] == "schools"


def test_dry_run_writes_nothing(station, scheduler):
    before = counts()
    batch = preview("schools", csv_bytes(GOOD), actor=scheduler)
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert [r["action"] for r in batch.report["rows"]] == ["create", "create"]
    assert counts() == before
    run = services.import_batch_run(
        kind="schools", crs="wgs84", filename="s.csv", content=csv_bytes(GOOD), actor=scheduler, dry_run=True
    )
    assert run.status == ImportBatch.Status.PREVIEWED
    assert counts() == before


def test_reimport_updates_by_code_and_never_duplicates(station, scheduler):
    apply("schools", csv_bytes(GOOD), scheduler)
    again = apply("schools", csv_bytes(GOOD), scheduler)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 2)
    changed = GOOD.replace("Second Junior", "Second Junior Middle")
    third = apply("schools", csv_bytes(changed), scheduler)
    assert (third.created_count, third.updated_count, third.unchanged_count) == (0, 1, 1)
    assert third.report["rows"][1]["changes"] == ["name"]
    assert School.objects.count() == 2
    assert School.objects.get(code="S002").name == "Second Junior Middle"


def test_columns_missing_from_the_file_are_left_alone_on_update(station, scheduler):
    apply("schools", csv_bytes(f"{HEADER},pupils\nS001,First,primary,rural,36.18,118.17,640"), scheduler)
    batch = apply("schools", csv_bytes(f"{HEADER}\nS001,First,primary,rural,36.18,118.17"), scheduler)
    assert batch.unchanged_count == 1
    assert School.objects.get(code="S001").pupils == 640


def test_safety_contact_is_created_then_updated(station, scheduler):
    header = f"{HEADER},contact_name,contact_title,contact_phone"
    apply("schools", csv_bytes(f"{header}\nS001,First,primary,rural,36.18,118.17,王芳,保卫科长,13900000001"), scheduler)
    batch = apply(
        "schools", csv_bytes(f"{header}\nS001,First,primary,rural,36.18,118.17,王芳,校长,13900000001"), scheduler
    )
    assert batch.report["rows"][0]["changes"] == ["contact"]
    contact = SafetyContact.objects.get()
    assert (contact.name, contact.title, contact.is_primary) == ("王芳", "校长", True)


def test_gbk_csv_with_chinese_headers_and_labels_is_read(station, scheduler):
    content = csv_bytes(
        """
学校代码,学校名称,学段,城乡,纬度,经度,寄宿,学生数
S001,城关第一小学,小学,农村,36.18,118.17,是,820
""",
        encoding="gbk",
    )
    batch = apply("schools", content, scheduler)
    assert batch.report["encoding"] == "gb18030"
    school = School.objects.get(code="S001")
    assert (school.name, school.level, school.area, school.boarding, school.pupils) == (
        "城关第一小学",
        "primary",
        "rural",
        True,
        820,
    )


def test_utf8_csv_with_bom_is_read(station, scheduler):
    apply(
        "schools",
        b"\xef\xbb\xbf" + csv_bytes("学校代码,学校名称,学段,城乡,纬度,经度\nS001,一小,小学,城区,36.18,118.17"),
        scheduler,
    )
    assert School.objects.get(code="S001").name == "一小"


def test_xlsx_first_sheet_is_read(station, scheduler):
    workbook = openpyxl.Workbook()
    workbook.active.append(["code", "name", "level", "area", "lat", "lon", "pupils"])
    workbook.active.append([3710001234, "Numeric Code School", "senior", "rural", 36.18, 118.17, 1200])
    workbook.create_sheet("notes").append(["ignored"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    apply("schools", buffer.getvalue(), scheduler, filename="schools.xlsx")
    school = School.objects.get()
    assert (school.code, school.pupils) == ("3710001234", 1200)


def test_geojson_polygon_gives_campus_outline_and_a_point_inside(station, scheduler):
    outline = square(36.18, 118.17, 0.001)
    content = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"code": "S001", "name": "Walled School", "level": "primary", "area": "rural"},
                    "geometry": outline,
                },
                {
                    "type": "Feature",
                    "properties": {"code": "S002", "name": "Point School", "level": "primary", "area": "rural"},
                    "geometry": {"type": "Point", "coordinates": [118.18, 36.19]},
                },
            ],
        }
    ).encode()
    batch = apply("schools", content, scheduler, filename="schools.geojson")
    assert batch.report["unit"] == "feature"
    walled, point = School.objects.get(code="S001"), School.objects.get(code="S002")
    assert walled.campus["type"] == "Polygon"
    assert abs(walled.lat - 36.18) < 0.001 and abs(walled.lon - 118.17) < 0.001
    assert (point.lat, point.lon, point.campus) == (36.19, 118.18, None)


# --- bad input: every problem names its row, column and value; nothing is written ---------------


def test_rejects_missing_column(station, scheduler):
    problem = refused(csv_bytes("code,name,area,lat,lon\nS001,First,rural,36.18,118.17"), scheduler)
    assert (problem["row"], problem["column"]) == (1, "level")
    assert "required column level (学段) is missing" in problem["message"]


def test_rejects_unknown_column(station, scheduler):
    problem = refused(csv_bytes(f"{HEADER},colour\nS001,First,primary,rural,36.18,118.17,red"), scheduler)
    assert (problem["row"], problem["column"]) == (1, "colour")
    assert "Unknown column “colour”" in problem["message"]


def test_rejects_bytes_that_are_neither_utf8_nor_gbk(station, scheduler):
    content = (
        csv_bytes(f"{HEADER}\nS001,First,primary,rural,36.18,118.17")
        + b"S002,Bad \x80\xff,primary,rural,36.1,118.1\r\n"
    )
    problem = refused(content, scheduler)
    assert (problem["row"], problem["column"]) == (3, "name")
    assert "neither UTF-8 nor GBK" in problem["message"]
    assert problem["value"] == "80"


def test_rejects_duplicate_codes_in_one_file(station, scheduler):
    content = csv_bytes(f"{HEADER}\nS001,First,primary,rural,36.18,118.17\nS001,Again,primary,rural,36.19,118.18")
    problem = refused(content, scheduler)
    assert (problem["row"], problem["column"], problem["value"]) == (3, "code", "S001")
    assert "first in row 2" in problem["message"]


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        ("95.5", "118.17", "latitude 95.5 is out of range"),
        ("36.18", "190", "longitude 190.0 is out of range"),
        ("118.17", "36.18", "look swapped"),
        ("48.85", "2.35", "outside China"),
    ],
)
def test_rejects_impossible_positions(station, scheduler, lat, lon, expected):
    content = csv_bytes(f"{HEADER}\nS001,First,primary,rural,36.18,118.17\nS002,Second,primary,rural,{lat},{lon}")
    problem = refused(content, scheduler, crs="gcj02")
    assert (problem["row"], problem["column"], problem["value"]) == (3, "lat", f"{lat}, {lon}")
    assert expected in problem["message"]


def test_rejects_bad_enum_listing_the_allowed_values(station, scheduler):
    problem = refused(csv_bytes(f"{HEADER}\nS001,First,college,rural,36.18,118.17"), scheduler)
    assert (problem["row"], problem["column"], problem["value"]) == (2, "level", "college")
    assert "primary (小学)" in problem["message"] and "kindergarten (幼儿园)" in problem["message"]


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [("boarding", "maybe", "not a yes/no value"), ("pupils", "many", "not a whole number"), ("pupils", "-5", "less")],
)
def test_rejects_bad_booleans_and_integers(station, scheduler, column, value, expected):
    problem = refused(csv_bytes(f"{HEADER},{column}\nS001,First,primary,rural,36.18,118.17,{value}"), scheduler)
    assert (problem["row"], problem["column"], problem["value"]) == (2, column, value)
    assert expected in problem["message"]


def test_rejects_empty_file(station, scheduler):
    problem = refused(b"", scheduler)
    assert problem["row"] is None and "empty" in problem["message"]


def test_rejects_header_without_records(station, scheduler):
    problem = refused(csv_bytes(HEADER), scheduler)
    assert "no records" in problem["message"]


def test_rejects_oversized_upload_before_reading_it(station, scheduler, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    before = counts()
    content = csv_bytes(HEADER + "\n" + "\n".join(f"S{i:04d},School,primary,rural,36.18,118.17" for i in range(60)))
    with pytest.raises(services.FileTooLarge) as err:
        preview("schools", content, actor=scheduler)
    assert "1.0 KiB" in err.value.message
    assert counts() == before and not ImportBatch.objects.exists()


def test_one_bad_row_keeps_every_good_row_out(station, scheduler):
    content = csv_bytes(f"{GOOD.strip()}\nS003,Third,primary,rural,,118.17")
    problem = refused(content, scheduler)
    assert (problem["row"], problem["column"]) == (4, "lat")
    assert "Give both latitude and longitude" in problem["message"]


def test_reports_every_problem_of_a_file_not_just_the_first(station, scheduler):
    content = csv_bytes(f"{HEADER},colour\nS001,,college,rural,95,118.17,\nS001,Second,primary,town,36.18,118.17,")
    batch = preview("schools", content, actor=scheduler)
    found = {(p["row"], p["column"]) for p in problems(batch)}
    assert found == {(1, "colour"), (2, "name"), (2, "level"), (2, "lat"), (3, "code"), (3, "area")}


def test_rejects_a_file_of_the_wrong_format(station, scheduler):
    problem = refused(b"<kml></kml>", scheduler, filename="schools.kml")
    assert "cannot be imported from KML" in problem["message"]


def test_rejects_a_broken_xlsx(station, scheduler):
    problem = refused(b"code,name\nS1,First", scheduler, filename="schools.xlsx")
    assert "not a readable XLSX" in problem["message"]


def test_refuses_a_cut_short_xlsx_as_a_damaged_zip_writing_nothing(station, scheduler):
    # It starts like a zip (PK) but its directory is missing: damaged, not some other kind of file.
    before = counts()
    with pytest.raises(services.ImportRefused) as refusal:
        preview("schools", b"PK\x03\x04 broken", actor=scheduler, filename="schools.xlsx")
    assert refusal.value.code == "archive_damaged" and refusal.value.http_status == 400
    assert "The zip archive is damaged" in refusal.value.message
    assert counts() == before and not ImportBatch.objects.exists()
