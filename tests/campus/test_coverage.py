"""Coverage report: page, API, XLSX; and the reassignment flow a scheduler follows."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from campus import services
from campus.models import LiaisonAssignment

pytestmark = pytest.mark.django_db


def test_report_lists_gaps_overrides_and_totals(client, leader, county):
    services.officer_deactivate(officer=county["n2"], actor=county_admin(), reason="retired")
    client.force_login(leader)
    data = client.get(reverse("campus_api:coverage")).json()
    assert {s["name"] for s in data["uncovered"]} == {"North 2", "Nowhere"}
    assert [(a["school"]["name"], a["problem"]) for a in data["needs_reassignment"]] == [
        ("North 1", "officer_inactive")
    ]
    assert [a["school"]["name"] for a in data["overridden"]] == ["South 0"]
    assert data["contradictions"] == []
    assert [s["name"] for s in data["outside_jurisdictions"]] == ["Nowhere"]
    assert data["county"]["schools"] == 5 and data["county"]["covered"] == 2
    north = next(row for row in data["stations"] if row["station"] and row["station"]["code"] == "N")
    assert (north["schools"], north["covered"], north["uncovered"], north["needs_reassignment"]) == (3, 1, 1, 1)
    only_south = client.get(reverse("campus_api:coverage"), {"station": county["south"].pk}).json()
    assert only_south["county"]["schools"] == 1


def county_admin():
    from common.roles import Role
    from tests.factories import make_user

    return make_user(Role.BUREAU_ADMIN, username="admin2")


def test_officer_over_limit_is_listed(client, leader, county, settings):
    county["north"].max_schools_per_officer = 1
    county["north"].save()
    client.force_login(leader)
    data = client.get(reverse("campus_api:coverage")).json()
    assert [(o["name"], o["schools"], o["limit"]) for o in data["officers_over_limit"]] == [("Li", 2, 1)]


def test_school_moved_out_of_jurisdiction_contradicts(client, leader, county, admin_user):
    school = county["s1"]
    school.lat, school.lon = 36.18, 118.17  # now in South
    services.school_save(school=school, actor=admin_user, reason="address corrected")
    client.force_login(leader)
    data = client.get(reverse("campus_api:coverage")).json()
    assert [(a["school"]["name"], a["problem"]) for a in data["contradictions"]] == [("North 0", "wrong_station")]


def test_page_and_xlsx_export(client, leader, county):
    client.force_login(leader)
    page = client.get(reverse("campus:coverage"))
    assert page.status_code == 200
    assert "North 2" in page.content.decode()
    export = client.get(reverse("campus:coverage_export"))
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(export.content))
    assert len(wb.sheetnames) == 6
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert rows[-1][1] == 5  # county total schools


def test_scheduler_reassigns_a_deactivated_officers_school_from_the_page(client, scheduler, admin_user, county):
    services.officer_deactivate(officer=county["n2"], actor=admin_user, reason="retired")
    client.force_login(scheduler)
    detail = client.get(reverse("campus:school_detail", args=[county["s2"].pk])).content.decode()
    assert "Wang" in detail  # current (inactive) liaison shown
    response = client.post(
        reverse("campus:school_liaison_assign", args=[county["s2"].pk]),
        {"officer": county["n1"].pk, "reason": "Wang retired"},
        follow=True,
    )
    assert response.status_code == 200
    current = LiaisonAssignment.objects.get(school=county["s2"], ended_at__isnull=True)
    assert current.officer == county["n1"]
    old = LiaisonAssignment.objects.get(school=county["s2"], officer=county["n2"])
    assert old.end_reason == "Wang retired"


def test_page_shows_rule_error_and_writes_nothing(client, scheduler, county):
    client.force_login(scheduler)
    before = LiaisonAssignment.objects.count()
    response = client.post(
        reverse("campus:school_liaison_assign", args=[county["s3"].pk]), {"officer": county["s_off"].pk}, follow=True
    )
    messages = [str(m) for m in response.context["messages"]]
    assert any("South" in m and "North" in m for m in messages), messages
    assert LiaisonAssignment.objects.count() == before


def test_candidates_api(client, scheduler, county):
    client.force_login(scheduler)
    data = client.get(reverse("campus_api:school-liaison-candidates", args=[county["s3"].pk])).json()
    assert [c["officer"]["name"] for c in data] == ["Wang", "Li"]  # Wang has 1 school, Li 2


def test_map_layers_colour_schools_by_status(client, scheduler, county):
    client.force_login(scheduler)
    layers = client.get(reverse("campus_api:map_layers")).json()
    status = {f["properties"]["name"]: f["properties"]["status"] for f in layers["schools"]["features"]}
    assert status == {
        "North 0": "covered",
        "North 1": "covered",
        "North 2": "uncovered",
        "South 0": "covered",
        "Nowhere": "uncovered",
    }
    assert {f["properties"]["code"] for f in layers["stations"]["features"]} == {"N", "S"}
    liaison = next(f for f in layers["schools"]["features"] if f["properties"]["name"] == "North 0")
    assert liaison["properties"]["liaison"]["name"] == "Li"
