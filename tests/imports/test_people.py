"""Departments, officers, gates and 一校一警 liaisons from spreadsheets."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campus.models import Department, Gate, LiaisonAssignment, Officer
from common.errors import NotAllowed
from imports import services
from imports.models import ImportBatch
from tests.factories import DepartmentFactory, OfficerFactory, SchoolFactory, StationFactory, square
from tests.imports.fixtures import counts, csv_bytes, only_problem, preview, problems

pytestmark = pytest.mark.django_db


def run(kind: str, text: str, actor, *, system: bool = False) -> ImportBatch:
    return services.import_batch_run(
        kind=kind,
        crs="wgs84",
        filename=f"{kind}.csv",
        content=csv_bytes(text),
        actor=actor,
        system=system,
        dry_run=False,
    )


def refused(kind: str, text: str, actor) -> dict:
    before = counts()
    batch = preview(kind, csv_bytes(text), actor=actor)
    assert batch.status == ImportBatch.Status.FAILED
    assert run(kind, text, actor).status == ImportBatch.Status.FAILED
    assert counts() == before
    return only_problem(batch)


@pytest.fixture
def town(db):
    return StationFactory(code="ST01", jurisdiction=square(36.18, 118.17, 0.2))


# --- departments and officers ---------------------------------------------------------------------


def test_departments_by_code_with_chinese_kinds(scheduler):
    batch = run("departments", "部门代码,部门名称,类别\nD01,治安大队,队\nD02,法制室,室", scheduler)
    assert batch.created_count == 2
    assert Department.objects.get(code="D02").kind == Department.Kind.OFFICE
    again = run("departments", "code,name,kind\nD01,治安大队,brigade\nD02,法制室,office", scheduler)
    assert (again.created_count, again.unchanged_count) == (0, 2)


def test_officers_are_created_and_updated_by_badge_number(town, scheduler):
    DepartmentFactory(code="D01")
    other = StationFactory(code="ST02")
    text = "警号,姓名,类别,派出所代码,部门代码,电话\n001234,李强,民警,ST01,,13800000001\nF0007,赵敏,辅警,,D01,"
    assert run("officers", text, scheduler).created_count == 2
    moved = run("officers", text.replace("ST01,,13800000001", "ST02,,13800000009"), scheduler)
    assert (moved.updated_count, moved.unchanged_count) == (1, 1)
    assert moved.report["rows"][0]["changes"] == ["station", "phone"]
    officer = Officer.objects.get(badge_no="001234")
    assert (officer.station, officer.phone, officer.kind, officer.active) == (other, "13800000009", "police", True)
    assert Officer.objects.get(badge_no="F0007").department.code == "D01"
    assert Officer.objects.count() == 2


def test_rejects_officer_with_unknown_station(town, scheduler):
    problem = refused("officers", "badge_no,name,kind,station_code\n001234,李强,police,ST99", scheduler)
    assert (problem["row"], problem["column"], problem["value"]) == (2, "station_code", "ST99")
    assert "no station with code" in problem["message"]


def test_rejects_officer_without_station_or_department(town, scheduler):
    problem = refused("officers", "badge_no,name,kind,station_code\n001234,李强,police,", scheduler)
    assert (problem["row"], problem["column"]) == (2, "station_code")


def test_rejects_bad_officer_kind(town, scheduler):
    problem = refused("officers", "badge_no,name,kind,station_code\n001234,李强,协警,ST01", scheduler)
    assert (problem["row"], problem["column"], problem["value"]) == (2, "kind", "协警")
    assert "police (民警), auxiliary (辅警)" in problem["message"]


# --- gates ----------------------------------------------------------------------------------------


def test_gates_by_school_and_name(town, scheduler):
    SchoolFactory(code="S001")
    text = "学校代码,校门名称,纬度,经度,主校门\nS001,南门,36.180,118.170,是\nS001,北门,36.182,118.170,否"
    assert run("gates", text, scheduler).created_count == 2
    again = run("gates", text.replace("36.182", "36.183"), scheduler)
    assert (again.updated_count, again.unchanged_count) == (1, 1)
    assert Gate.objects.get(name="北门").lat == 36.183
    assert Gate.objects.get(name="南门").is_main


def test_rejects_gate_of_unknown_school_and_repeated_gate(town, scheduler):
    SchoolFactory(code="S001")
    batch = preview(
        "gates",
        csv_bytes("school_code,name,lat,lon\nS404,南门,36.18,118.17\nS001,南门,36.18,118.17\nS001,南门,36.1,118.1"),
        actor=scheduler,
    )
    found = [(p["row"], p["column"], p["value"]) for p in problems(batch)]
    assert found == [(2, "school_code", "S404"), (4, "name", "南门")]
    assert not Gate.objects.exists()


def test_gate_preview_shows_school_position_station_and_warns_when_far_from_its_school(town, scheduler, client):
    SchoolFactory(code="S001", name="希望小学", lat=36.18, lon=118.17, responsible_station=town)
    # 南门 beside the school; 北门 about 2.2 km north of it (a wrong coordinate system or school code)
    text = "学校代码,校门名称,纬度,经度\nS001,南门,36.1805,118.1700\nS001,北门,36.2000,118.1700"
    batch = preview("gates", csv_bytes(text), actor=scheduler)
    assert batch.status == ImportBatch.Status.PREVIEWED  # a warning: it may still be applied
    (warning,) = problems(batch, "warning")
    assert warning["row"] == 3 and warning["column"] == "纬度"  # the file's own header
    assert "希望小学" in warning["message"] and "2,2" in warning["message"]
    south, north = (r["details"] for r in batch.report["rows"])
    assert south == {"name": "希望小学 · 南门", "lat": 36.1805, "lon": 118.17, "station": town.name, "from_school_m": 56}
    assert north["from_school_m"] > 2000
    client.force_login(scheduler)
    page = client.get(reverse("campus:import_detail", args=[batch.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "希望小学 · 北门" in page and "56 m from the school" in page


# --- liaisons (一校一警) ----------------------------------------------------------------------------


@pytest.fixture
def school(town):
    return SchoolFactory(code="S001")


def test_liaison_rows_assign_and_reimport_is_harmless(school, scheduler):
    officer = OfficerFactory(badge_no="001234", station=school.responsible_station)
    text = "学校代码,警号,原因\nS001,001234,新学期"
    first = run("liaisons", text, scheduler)
    assert first.created_count == 1
    assignment = LiaisonAssignment.objects.get()
    assert (assignment.officer, assignment.assigned_by, assignment.reason) == (officer, scheduler, "新学期")
    again = run("liaisons", text, scheduler)
    assert (again.status, again.unchanged_count) == (ImportBatch.Status.APPLIED, 1)
    assert LiaisonAssignment.objects.count() == 1


def test_liaison_row_replaces_the_current_liaison(school, scheduler):
    old = OfficerFactory(badge_no="000001", station=school.responsible_station)
    OfficerFactory(badge_no="000002", station=school.responsible_station)
    run("liaisons", "school_code,badge_no\nS001,000001", scheduler)
    batch = run("liaisons", "school_code,badge_no\nS001,000002", scheduler)
    assert batch.updated_count == 1
    history = list(LiaisonAssignment.objects.order_by("started_at", "id"))
    assert history[0].officer == old and history[0].ended_at is not None
    assert history[1].officer.badge_no == "000002" and history[1].ended_at is None


def test_rejects_liaison_row_for_inactive_officer(school, scheduler):
    OfficerFactory(badge_no="001234", station=school.responsible_station, active=False)
    problem = refused("liaisons", "school_code,badge_no\nS001,001234", scheduler)
    assert (problem["row"], problem["column"], problem["value"]) == (2, "badge_no", "001234")
    assert "inactive" in problem["message"]


def test_rejects_two_liaison_rows_for_one_school(school, scheduler):
    OfficerFactory(badge_no="000001", station=school.responsible_station)
    OfficerFactory(badge_no="000002", station=school.responsible_station)
    problem = refused("liaisons", "school_code,badge_no\nS001,000001\nS001,000002", scheduler)
    assert (problem["row"], problem["column"], problem["value"]) == (3, "school_code", "S001")
    assert "first in row 2" in problem["message"]


def test_limit_per_officer_counts_the_rows_before(town, scheduler):
    town.max_schools_per_officer = 1
    town.save()
    SchoolFactory(code="S001")
    SchoolFactory(code="S002")
    OfficerFactory(badge_no="001234", station=town)
    problem = refused("liaisons", "school_code,badge_no\nS001,001234\nS002,001234", scheduler)
    assert (problem["row"], problem["column"]) == (3, "badge_no")
    assert "the limit is 1" in problem["message"]


def test_override_reason_only_counts_for_administrators(school, scheduler, admin_user):
    OfficerFactory(badge_no="009999", station=StationFactory(code="FAR", lat=36.6, lon=118.6))
    text = "school_code,badge_no,override_reason\nS001,009999,station short of officers"
    problem = refused("liaisons", text, scheduler)
    assert (problem["row"], problem["column"]) == (2, "override_reason")
    assert "Only a bureau administrator may override" in problem["message"]
    batch = run("liaisons", text, admin_user)
    assert batch.status == ImportBatch.Status.APPLIED
    assert LiaisonAssignment.objects.get().override_reason == "station short of officers"


def test_commands_may_override_like_an_administrator(school):
    OfficerFactory(badge_no="009999", station=StationFactory(code="FAR", lat=36.6, lon=118.6))
    text = "school_code,badge_no,override_reason\nS001,009999,cover"
    batch = run("liaisons", text, None, system=True)
    assert batch.status == ImportBatch.Status.APPLIED
    assignment = LiaisonAssignment.objects.get()
    assert (assignment.override_reason, assignment.assigned_by) == ("cover", None)


def test_rejects_liaison_rule_broken_without_override(school, scheduler):
    OfficerFactory(badge_no="009999", station=StationFactory(code="FAR", lat=36.6, lon=118.6))
    problem = refused("liaisons", "school_code,badge_no\nS001,009999", scheduler)
    assert (problem["row"], problem["column"], problem["value"]) == (2, "badge_no", "009999")
    assert "is the responsibility of" in problem["message"]


def test_leadership_may_not_import_liaisons(school, leader):
    with pytest.raises(NotAllowed):
        preview("liaisons", csv_bytes("school_code,badge_no\nS001,001234"), actor=leader)
    assert not ImportBatch.objects.exists()
