"""Every problem an import stores reads in its reader's language: a file checked by a Chinese user shows its
problems in English to an English reader, and the other way round, for every import kind and every file that
cannot be read at all (the messages are stored with their message ids, ``common.texts``)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from campus.import_kinds.schools import SchoolsImport
from common.geo import Crs
from common.roles import Role
from imports.models import ImportBatch
from imports.report import Problem
from tests.factories import OfficerFactory, SchoolFactory, StationFactory, make_user, square
from tests.imports.fixtures import bowtie, csv_bytes, preview, square_polygon

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
# Written in Chinese in the English text on purpose: how people write lunar days (逢一六 = days 1 and 6).
EXAMPLES = ("逢一六",)


def in_chinese(message: str) -> bool:
    for example in EXAMPLES:
        message = message.replace(example, "")
    return bool(CJK.search(message))
CENTER = (36.18, 118.17)


def geojson(features: list[tuple[dict, dict | None]]) -> bytes:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": p, "geometry": g} for p, g in features],
        }
    ).encode()


def polygon(lat: float, lon: float, half: float = 0.01) -> dict:
    return json.loads(json.dumps(square_polygon(lat, lon, half).__geo_interface__))


@dataclass(frozen=True)
class Case:
    """A file with row-level problems and a file-level one; ``english``/``chinese``: what the report must say."""

    kind: str
    filename: str
    content: bytes
    english: tuple[str, ...]
    chinese: tuple[str, ...]
    setup: Callable[[], None] = lambda: None
    role: Role = Role.BRIGADE_SCHEDULER


def _schools_stored() -> None:
    # Two schools the file moves by about 1.1 km: a file-level warning naming the declared datum.
    SchoolFactory(code="S8", lat=36.18, lon=118.17)
    SchoolFactory(code="S9", lat=36.20, lon=118.17)


def _gate_school() -> None:
    SchoolFactory(code="S1", name="Hope Primary", lat=36.18, lon=118.17)


def _liaison_world() -> None:
    station = StationFactory(code="ST01", jurisdiction=square(36.18, 118.17, 0.2))
    SchoolFactory(code="S1")
    OfficerFactory(badge_no="B1", station=station)


def _stations_with_jurisdictions() -> None:
    StationFactory(code="W01", jurisdiction=None)
    StationFactory(code="E01", jurisdiction=square(36.18, 118.17, 0.05))


CASES = {
    "schools": Case(
        "schools",
        "schools.csv",
        csv_bytes(
            "code,name,level,area,lat,lon,pupils,\n"
            "S1,Hope,primary,rural,36.18,118.17,-3,stray\n"
            "S1,Hope Two,primary,rural,36.18,118.17,10,\n"
            "S2,Lake,primary,rural,abc,118.17,,\n"
            "S3,River,primary,rural,118.17,36.18,,\n"
            "S8,Moved,primary,rural,36.19,118.17,,\n"
            "S9,Moved Too,primary,rural,36.21,118.17,,\n"
        ),
        english=(
            "Column 8 has values but no name.",
            "-3 is less than 0.",
            "School code “S1” appears more than once in the file (first in row 2).",
            "“abc” is not a number.",
            "latitude 118.17 and longitude 36.18 look swapped",
            "The school lies outside every station's jurisdiction and zone",
            "This file moves 2 of the 2 schools it updates by 100 m or more (median 1112 m). "
            "Check that WGS-84 (GPS, Tianditu, CGCS2000) is the file's coordinate system before applying.",
        ),
        chinese=("第 8 列有数据但没有列名。", "学校代码“S1”", "似乎颠倒了", "WGS-84（GPS、天地图、CGCS2000）"),
        setup=_schools_stored,
    ),
    "gates": Case(
        "gates",
        "gates.csv",
        csv_bytes(
            "school_code,name,lat,lon,\n"
            "NOPE,North,36.18,118.17,stray\n"
            "S1,North,36.18,118.17,\n"
            "S1,North,36.18,118.17,\n"
            "S1,Far,36.25,118.17,\n"
            "S1,Half,36.18,,\n"
        ),
        english=(
            "Column 5 has values but no name.",
            "There is no school with code “NOPE”.",
            "Gate “North” appears more than once in the file",
            "This gate is 7,784 m from Hope Primary's registered position (more than 500 m)",
            "Give both latitude and longitude, or neither.",
        ),
        chinese=("第 5 列有数据但没有列名。", "没有代码为“NOPE”的学校。", "校门“North”"),
        setup=_gate_school,
    ),
    "departments": Case(
        "departments",
        "departments.csv",
        csv_bytes("code,name,\nD1,Traffic,stray\nD1,Patrol,\nD2," + "x" * 101 + ",\nD3,,\n"),
        english=(
            "Column 3 has values but no name.",
            "Department code “D1” appears more than once in the file (first in row 2).",
            "Too long: 101 characters, at most 100.",
            "“name” needs a value.",
        ),
        chinese=("第 3 列有数据但没有列名。", "部门代码“D1”", "过长"),
    ),
    "officers": Case(
        "officers",
        "officers.csv",
        csv_bytes("badge_no,name,kind,station_code,department_code,\nB1,Li,police,NOPE,,stray\nB2,Wang,police,,,\n"),
        english=(
            "Column 6 has values but no name.",
            "There is no station with code “NOPE”.",
            "An officer belongs to a station or a department: give station_code or department_code.",
        ),
        chinese=("第 6 列有数据但没有列名。", "没有代码为“NOPE”的派出所。"),
    ),
    "liaisons": Case(
        "liaisons",
        "liaisons.csv",
        csv_bytes("school_code,badge_no,\nS1,B1,stray\nS1,B1,\nNOPE,B404,\n"),
        english=(
            "Column 3 has values but no name.",
            "School “S1” appears more than once in the file (first in row 2).",
            "There is no school with code “NOPE”.",
            "There is no officer with badge number “B404”.",
        ),
        chinese=("第 3 列有数据但没有列名。", "学校“S1”", "没有警号为“B404”的民警。"),
        setup=_liaison_world,
    ),
    "stations": Case(
        "stations",
        "stations.csv",
        csv_bytes(
            "code,name,lat,lon,max_schools_per_officer,\n"
            "P1,East,36.18,118.17,0,stray\n"
            "P1,East Two,36.18,118.17,5,\n"
            "P2,West,36.18,,,\n"
        ),
        english=(
            "Column 6 has values but no name.",
            "0 is less than 1.",
            "Station code “P1” appears more than once in the file (first in row 2).",
            "Give both latitude and longitude, or neither.",
        ),
        chinese=("第 6 列有数据但没有列名。", "派出所代码“P1”"),
    ),
    "jurisdictions": Case(
        "jurisdictions",
        "jurisdictions.geojson",
        geojson(
            [
                ({"station_code": "W01", "": "stray"}, polygon(36.19, 118.18)),
                ({"station_code": "NOPE"}, polygon(36.5, 118.5)),
                ({"station_code": "W02"}, json.loads(json.dumps(bowtie(36.6, 118.6).__geo_interface__))),
                ({"station_code": "W03"}, None),
            ]
        ),
        english=(
            "Column 2 has values but no name.",
            "Overlaps station E01 by about",
            "There is no station with code “NOPE”.",
            "The polygon is invalid: Self-intersection at longitude 118.6, latitude 36.6.",
            "The feature has no geometry; it needs a Polygon.",
        ),
        chinese=("第 2 列有数据但没有列名。", "与 派出所 E01 重叠约", "多边形无效"),
        setup=_stations_with_jurisdictions,
    ),
    "zones": Case(
        "zones",
        "zones.geojson",
        geojson(
            [
                ({"code": "Z1", "name": "Old Town", "station_code": "E01", "": "stray"}, polygon(36.18, 118.17)),
                ({"code": "Z2", "name": "New Town", "station_code": "E01"}, polygon(36.185, 118.175)),
                ({"code": "Z2", "name": "Again", "station_code": "NOPE"}, {"type": "Point", "coordinates": [118, 36]}),
            ]
        ),
        english=(
            "Column 4 has values but no name.",
            "Overlaps zone Z1 by about",
            "Zone code “Z2” appears more than once in the file (first in row 2).",
            "There is no station with code “NOPE”.",
            "The geometry is a Point; it needs a Polygon or MultiPolygon.",
        ),
        chinese=("第 4 列有数据但没有列名。", "与 网格 Z1 重叠约", "网格代码“Z2”"),
        setup=_stations_with_jurisdictions,
    ),
    "airspace": Case(
        "airspace",
        "zones.geojson",
        geojson(
            [
                ({"name": "Square", "kind": "crowd", "": "stray"}, polygon(*CENTER)),
                ({"name": "Airport", "kind": "airport"}, {"type": "Point", "coordinates": [118.2, 36.2]}),
                ({"name": "Tower", "kind": "no_fly", "min_alt_m": 5000}, polygon(36.3, 118.3)),
                ({"name": "Range", "kind": "restricted", "valid_from": "tomorrow"}, polygon(36.4, 118.4)),
            ]
        ),
        english=(
            "Column 3 has values but no name.",
            "A crowd area needs the minimum height to fly over it (min_alt_m).",
            "A Point needs buffer_m, the radius of the zone around it in metres.",
            "5000 is outside 0..1000.",
            "“tomorrow” is not a date or time; write 2026-12-01 or 2026-12-01 08:00.",
        ),
        chinese=("第 3 列有数据但没有列名。", "人员密集区须填写飞越的最低高度", "点须填写 buffer_m"),
        role=Role.DRONE_OPERATOR,
    ),
    "markets": Case(
        "markets",
        "markets.geojson",
        geojson(
            [
                ({"name": "East", "kind": "rural", "weekdays": "9", "": "stray"}, polygon(*CENTER)),
                ({"name": "West", "kind": "night", "weekdays": "xyz"}, polygon(36.3, 118.3)),
                ({"name": "North", "kind": "rural", "weekdays": "6", "opens": "25:00"}, polygon(36.4, 118.4)),
                ({"name": "South", "kind": "rural", "lunar_days": "1,x"}, polygon(36.0, 118.0)),
                (
                    {"name": "Lane", "kind": "night", "weekdays": "5", "attendance": "2.5"},
                    {"type": "LineString", "coordinates": [[118.1, 36.1], [118.1, 36.1]]},
                ),
            ]
        ),
        english=(
            "Column 4 has values but no name.",
            "“9”: weekdays are 1 (Monday) to 7 (Sunday).",
            "“xyz” is not a weekday.",
            "“25:00” is not a time of day; write it as 18:30.",
            "2.5 is not a whole number of people.",
            "A market street needs at least two different points.",
            "“x” is not a lunar day; write e.g. 1,6 or 逢一六.",
        ),
        chinese=("第 4 列有数据但没有列名。", "“xyz”不是星期。", "“9”：星期为 1（星期一）到 7（星期日）。"),
        role=Role.DRONE_OPERATOR,
    ),
}


def _upload(case: Case, language: str) -> ImportBatch:
    case.setup()
    actor = make_user(case.role)
    with translation.override(language):
        batch = preview(case.kind, case.content, actor=actor, filename=case.filename)
    assert batch.status == ImportBatch.Status.FAILED
    return ImportBatch.objects.get(pk=batch.pk)  # the report as stored (JSON), not as made


def _read(batch: ImportBatch, language: str) -> list[str]:
    with translation.override(language):
        return [Problem.from_dict(p).message for p in batch.report["problems"]]


def _has(messages: list[str], wanted: str) -> bool:
    return any(wanted in message for message in messages)


@pytest.mark.parametrize("name", list(CASES))
def test_problems_stored_in_chinese_read_in_english(name):
    case = CASES[name]
    batch = _upload(case, "zh-hans")
    stored = [p["message"] for p in batch.report["problems"]]
    assert all(CJK.search(message) for message in stored), stored  # written in the uploader's Chinese
    assert any(p["row"] is None or p["column"] is None for p in batch.report["problems"])  # a file-level one
    assert any(p["row"] not in (None, 1) for p in batch.report["problems"])  # and row-level ones

    english = _read(batch, "en")
    assert not [m for m in english if in_chinese(m)], english
    missing = [wanted for wanted in case.english if not _has(english, wanted)]
    assert not missing, (missing, english)


@pytest.mark.parametrize("name", list(CASES))
def test_problems_stored_in_english_read_in_chinese(name):
    case = CASES[name]
    batch = _upload(case, "en")
    stored = [p["message"] for p in batch.report["problems"]]
    assert not [m for m in stored if in_chinese(m)], stored
    assert all(_has(stored, wanted) for wanted in case.english)

    chinese = _read(batch, "zh-hans")
    assert all(CJK.search(message) for message in chinese), chinese  # every problem translated
    missing = [wanted for wanted in case.chinese if not _has(chinese, wanted)]
    assert not missing, (missing, chinese)


def test_the_preview_page_shows_each_problem_in_the_readers_language(scheduler, client):
    with translation.override("zh-hans"):
        batch = preview("departments", CASES["departments"].content, actor=scheduler, filename="departments.csv")
    client.force_login(scheduler)
    url = reverse("campus:import_detail", args=[batch.pk])
    client.cookies["django_language"] = "en"
    page = client.get(url).content.decode()
    assert "Department code “D1” appears more than once" in page and "Column 3 has values but no name." in page
    client.cookies["django_language"] = "zh-hans"
    page = client.get(url).content.decode()
    assert "第 3 列有数据但没有列名。" in page and "has values but no name" not in page


def test_one_school_moved_reads_in_the_singular_and_in_chinese():
    SchoolFactory(code="S9", lat=36.18, lon=118.17)
    existing = {"S9": {"lat": 36.18, "lon": 118.17}}
    with translation.override("zh-hans"):
        warning = SchoolsImport._shift_warning(["S9"], [36.19], [118.17], existing, [True], Crs.GCJ02)
        assert warning.startswith("本文件将更新的 1 所学校中的 1 所移动了 100 米以上")
    stored = Problem(message=warning).as_dict()
    with translation.override("en"):
        again = Problem.from_dict(stored).message
    assert again.startswith("This file moves 1 of the 1 school it updates by 100 m or more (median 1112 m). ")
    assert "Check that GCJ-02 (AMap, Tencent) is the file's coordinate system" in again


# --- files that cannot be read at all: kept as failed batches with one file-level problem --------------------

UNREADABLE = [
    ("departments", "empty.csv", b"", "The file is empty."),
    ("departments", "header.csv", b"code,name\r\n", "The file has no records."),
    ("departments", "old.xls", b"\xd0\xcf\x11\xe0", "Old Excel files (.xls) are not supported: save the sheet as XLSX"),
    ("departments", "units.xlsx", b"not a zip", "The file is not a readable XLSX workbook (it is not a zip archive)."),
    ("departments", "units.geojson", b"{}", "This kind of record cannot be imported from GeoJSON; use CSV, XLSX."),
    ("zones", "zones.geojson", b"{\n  oops", "The file is not valid JSON: Expecting property name enclosed in"),
    ("zones", "zones.geojson", b'{"type": "Polygon"}', "A GeoJSON import must be a FeatureCollection"),
    ("zones", "zones.zip", b"not a zip", "The file is not a valid zip archive."),
]


@pytest.mark.parametrize(("kind", "filename", "content", "english"), UNREADABLE)
def test_a_file_that_cannot_be_read_says_so_in_the_readers_language(kind, filename, content, english):
    actor = make_user(Role.BRIGADE_SCHEDULER)
    with translation.override("zh-hans"):
        batch = preview(kind, content, actor=actor, filename=filename)
    batch = ImportBatch.objects.get(pk=batch.pk)
    assert batch.status == ImportBatch.Status.FAILED
    [problem] = batch.report["problems"]
    assert problem["row"] is None and CJK.search(problem["message"])
    [message] = _read(batch, "en")
    assert message.startswith(english) and not CJK.search(message)
    with translation.override("en"):
        batch = preview(kind, content, actor=actor, filename=filename)
    [message] = _read(ImportBatch.objects.get(pk=batch.pk), "zh-hans")
    assert CJK.search(message) and not message.startswith(english[:12])


def test_the_api_gives_each_problem_in_the_callers_language(scheduler):
    with translation.override("zh-hans"):
        batch = preview("departments", CASES["departments"].content, actor=scheduler, filename="departments.csv")
    client = APIClient()
    client.force_authenticate(scheduler)
    url = f"/api/campus/imports/{batch.pk}/"
    english = [p["message"] for p in client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()["report"]["problems"]]
    assert "Column 3 has values but no name." in english and not [m for m in english if CJK.search(m)], english
    chinese = [p["message"] for p in client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()["report"]["problems"]]
    assert "第 3 列有数据但没有列名。" in chinese, chinese
