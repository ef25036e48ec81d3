"""No exported text runs as a formula: every XLSX export and the flight CSV keep user text as text.

Issue 11 item 6: school staff, imports and vehicles put text starting with = + - @ into what the
bureau exports; a spreadsheet must show it, never evaluate it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from campus.models import Term
from common.roles import Role
from common.xlsx import csv_cell, looks_like_formula, xlsx_bytes
from drones.models import Drone, Flight, TrackPoint
from tests.drills.conftest import fire, setup, term  # noqa: F401 - fixtures
from tests.drills.factories import ActivityFactory, CorrectiveActionFactory, DrillFactory
from tests.drills.test_plans_service import make_world
from tests.factories import OfficerFactory, SchoolFactory, StationFactory, make_user
from tests.incidents.factories import IncidentFactory
from tests.patrol.factories import DutyAssignmentFactory
from tests.patrol.test_duty_helpers import DAY, build_day
from tests.patrol.test_roster_edits import rw  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

PAYLOADS = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)"]


def assert_inert(content: bytes, expected: list[str]) -> None:
    """No cell of the workbook is a formula, and each expected text is there, as written, as text."""
    book = load_workbook(io.BytesIO(content))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    formulas = [(cell.parent.title, cell.coordinate, cell.value) for cell in cells if cell.data_type == "f"]
    assert formulas == []
    by_text = {cell.value: cell for cell in cells if isinstance(cell.value, str)}
    for text in expected:
        found = next((value for value in by_text if text in value), None)
        assert found is not None, text
        cell = by_text[found]
        assert cell.data_type == "s"
        if found == text:
            assert cell.quotePrefix, text


# -- the helper -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [*PAYLOADS, "\tx", "\r=1+1", "-", "=", "+86 138"])
def test_formula_like_text_is_recognised(text):
    assert looks_like_formula(text)
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["School A", "", "a=b", " =1", "-31.2000000", "+86", "1e-5", -5, -2.5, 3, None])
def test_plain_text_and_numbers_are_untouched(value):
    assert not looks_like_formula(value)
    assert csv_cell(value) == value


@pytest.mark.django_db(False)
def test_xlsx_bytes_stores_formula_like_text_as_text_and_keeps_numbers():
    book = openpyxl.Workbook()
    book.active.append([*PAYLOADS, -5, -2.5, "-31.2", dt.date(2026, 1, 2)])
    sheet = load_workbook(io.BytesIO(xlsx_bytes(book))).active
    cells = list(sheet[1])
    assert [c.value for c in cells[:5]] == PAYLOADS
    assert all(c.data_type == "s" and c.quotePrefix for c in cells[:5])
    assert [(c.value, c.data_type) for c in cells[5:8]] == [(-5, "n"), (-2.5, "n"), ("-31.2", "s")]
    assert not any(c.quotePrefix for c in cells[5:])
    assert cells[8].value.date() == dt.date(2026, 1, 2) and cells[8].data_type == "d"


# -- each export through its view -----------------------------------------------------------------


def test_coverage_export(client):
    station = StationFactory(name=PAYLOADS[0])
    for text in PAYLOADS:
        SchoolFactory(name=text)
    OfficerFactory(station=station, name=PAYLOADS[2])
    client.force_login(make_user(Role.LEADERSHIP))
    response = client.get(reverse("campus:coverage_export"))
    assert response.status_code == 200
    assert_inert(response.content, PAYLOADS)


def test_roster_export(client, rw):  # noqa: F811
    rw["li"].name, rw["zhang"].name = PAYLOADS[0], PAYLOADS[1]
    for staff in (rw["li"], rw["zhang"]):
        staff.save(update_fields=["name"])
    rw["school_a"].name, rw["school_b"].name = PAYLOADS[2], PAYLOADS[3]
    for school in (rw["school_a"], rw["school_b"]):
        school.save(update_fields=["name"])
    post = rw["shift_a"].post
    post.name = PAYLOADS[4]
    post.save(update_fields=["name"])
    DutyAssignmentFactory(shift=rw["shift_a"], staff=rw["li"], role="police")
    DutyAssignmentFactory(shift=rw["shift_b"], staff=rw["zhang"], role="police")
    client.force_login(rw["users"]["scheduler"])
    url = reverse("patrol:roster-export", kwargs={"term_id": rw["term"].pk})
    response = client.get(url + "?type=xlsx")
    assert response.status_code == 200
    assert_inert(response.content, PAYLOADS)


def test_duty_statistics_export(client):
    day = build_day()
    day.school.name, day.station.name = PAYLOADS[1], PAYLOADS[4]
    day.school.save(update_fields=["name"])
    day.station.save(update_fields=["name"])
    client.force_login(make_user(Role.LEADERSHIP, username="leader1"))
    response = client.get(f"/patrol/duty/stats/?start={DAY}&end={DAY}&type=xlsx")
    assert response.status_code == 200
    assert_inert(response.content, [PAYLOADS[1], PAYLOADS[4]])


def test_incident_analysis_export(client):
    station = StationFactory(name=PAYLOADS[3])
    for text in (PAYLOADS[0], PAYLOADS[1], PAYLOADS[4]):
        school = SchoolFactory(name=text)
        school.responsible_station = station
        school.save(update_fields=["responsible_station"])
        IncidentFactory(school=school, created_at=timezone.now(), occurred_at=timezone.now())
    client.force_login(make_user(Role.BUREAU_ADMIN))
    month = timezone.localdate().strftime("%Y-%m")
    response = client.get(reverse("incidents:analysis-month"), {"month": month, "type": "xlsx"})
    assert response.status_code == 200
    assert_inert(response.content, [PAYLOADS[0], PAYLOADS[1], PAYLOADS[3], PAYLOADS[4]])


def test_drills_term_report_export(client, setup, term, fire):  # noqa: F811
    school = setup["school"]
    school.name = PAYLOADS[4]
    school.save(update_fields=["name"])
    drill = DrillFactory(school=school, drill_type=fire, date=dt.date(2025, 10, 15))
    for text in PAYLOADS[:3]:
        CorrectiveActionFactory(drill=drill, description=text, owner=PAYLOADS[3], due_date=dt.date(2025, 11, 1))
    client.force_login(setup["admin"])
    response = client.get(reverse("drills:drill-report"), {"school": school.pk, "term": term.pk, "type": "xlsx"})
    assert response.status_code == 200
    assert_inert(response.content, PAYLOADS)


def test_activities_counts_export(client):
    w = make_world()
    w.term = term_now()
    w.school_a.name, w.school_b.name, w.officer.name = PAYLOADS[0], PAYLOADS[3], PAYLOADS[4]
    w.school_a.save(update_fields=["name"])
    w.school_b.save(update_fields=["name"])
    w.officer.save(update_fields=["name"])
    a = ActivityFactory(school=w.school_a, date=timezone.localdate(), audience=10)
    a.officers.add(w.officer)
    ActivityFactory(school=w.school_b, date=timezone.localdate(), audience=5)
    client.force_login(w.leader)
    response = client.get(reverse("drills:activity-counts"), {"term": w.term.pk, "type": "xlsx"})
    assert response.status_code == 200
    assert_inert(response.content, [PAYLOADS[0], PAYLOADS[3], PAYLOADS[4]])


def term_now():
    today = timezone.localdate()
    return Term.objects.create(
        school_year="2026-2027",
        name="Now",
        start_date=today - dt.timedelta(days=60),
        end_date=today + dt.timedelta(days=30),
    )


def test_flight_csv_export():
    user = make_user(Role.DRONE_OPERATOR, username="pilot")
    drone = Drone.objects.create(name="D1", serial="S1", connection="tcp:127.0.0.1:1", home_lat=36.2, home_lon=118.1)
    flight = Flight.objects.create(drone=drone, pilot=user, status=Flight.Status.COMPLETED)
    for i, mode in enumerate([*PAYLOADS, "GUIDED"]):
        TrackPoint.objects.create(
            drone=drone,
            at=flight.created_at + dt.timedelta(seconds=i + 1),
            lat=-33.5,
            lon=118.1,
            alt_rel_m=-1.5,
            mode=mode[:16],  # the column's length (PostgreSQL enforces it)
        )
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(f"/api/drones/flights/{flight.pk}/export/", {"type": "csv"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["mode"] for r in rows] == ["'" + text[:16] for text in PAYLOADS] + ["GUIDED"]
    assert {(r["lat"], r["alt_rel_m"]) for r in rows} == {("-33.5000000", "-1.5")}
