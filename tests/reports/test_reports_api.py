"""The monthly report API (``/api/reports/``): the analyst's whole flow, bad input, scope, downloads, schema."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from common.models import AuditLogEntry
from common.roles import Role
from reports import services
from reports.models import Report, ReportVersion
from reports.rendering import pdf_available
from tests.factories import make_user
from tests.reports.conftest import OCTOBER

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def api(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def url(name: str, report: Report | int | None = None) -> str:
    if report is None:
        return reverse(f"reports_api:{name}")
    return reverse(f"reports_api:{name}", args=[report if isinstance(report, int) else report.pk])


@pytest.fixture
def issued(county, author):
    """The county's October report and North's, each issued once; South's only drafted."""
    made = {}
    for key, station in (("county", None), ("north", county["north"]), ("south", county["south"])):
        report = services.report_draft_create(actor=author, month=OCTOBER, station=station)
        services.report_countermeasures_save(actor=author, report=report, text=f"对策 {key}")
        if key != "south":
            services.report_issue(actor=author, report=report)
        made[key] = report
    return made


def test_analyst_creates_edits_issues_refreshes_and_issues_again(county, author):
    client = api(author)
    created = client.post(url("report-list"), {"month": "2026-10", "station": None}, content_type="application/json")
    assert created.status_code == 201, created.content
    report_id = created.json()["id"]
    assert created.json()["month"] == "2026-10" and created.json()["station"] is None
    assert created.json()["versions"] == []

    draft = client.get(url("report-detail", report_id)).json()
    assert draft["shown"] == "draft" and draft["figures"]["incidents"]["total"] == 4
    assert draft["labels"]["metrics"]["ack_p90_min"] == "Acknowledgement time, P90 (min)"

    saved = client.put(
        url("report-countermeasures", report_id), {"text": "# 重点\n\n- 加强护学岗"}, content_type="application/json"
    )
    assert saved.status_code == 200 and saved.json()["countermeasures"] == "# 重点\n\n- 加强护学岗"
    first = client.post(url("report-issue", report_id))
    assert first.status_code == 201 and first.json()["number"] == 1 and first.json()["issued_by"] == "analyst"

    client.put(url("report-countermeasures", report_id), {"text": "第二版对策"}, content_type="application/json")
    refreshed = client.post(url("report-refresh", report_id))
    assert refreshed.status_code == 200 and refreshed.json()["shown"] == "draft"
    assert client.post(url("report-issue", report_id)).json()["number"] == 2

    v1 = client.get(url("report-detail", report_id), {"version": 1}).json()
    v2 = client.get(url("report-detail", report_id), {"version": 2}).json()
    assert (v1["shown"]["number"], v1["countermeasures"]) == (1, "# 重点\n\n- 加强护学岗")
    assert (v2["shown"]["number"], v2["countermeasures"]) == (2, "第二版对策")
    assert [v["number"] for v in v2["versions"]] == [2, 1]
    report = Report.objects.get(pk=report_id)
    assert v1["figures"] == report.versions.get(number=1).snapshot  # what the PDF and XLSX of v1 are made of
    actions = list(
        AuditLogEntry.objects.filter(object_id=str(report_id), action__startswith="report.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "report.create",
        "report.countermeasures",
        "report.issue",
        "report.countermeasures",
        "report.refresh",
        "report.issue",
    ]


def test_a_second_report_of_the_same_month_and_scope_is_a_conflict(issued, author):
    response = api(author).post(
        url("report-list"), {"month": "2026-10", "station": None}, content_type="application/json"
    )
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert "exists already" in response.json()["detail"]
    assert Report.objects.count() == 3


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"month": "2026-13"}, "month", "must be a month written YYYY-MM"),
        ({"month": ""}, "month", "may not be blank"),
        ({"station": None}, "month", "required"),
        ({"month": "2026-10", "station": 999999}, "station", "does not exist"),
    ],
)
def test_create_rejects_bad_input_naming_the_field_and_writes_nothing(county, author, body, field, message):
    response = api(author).post(url("report-list"), body, content_type="application/json")
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not Report.objects.exists() and not AuditLogEntry.objects.filter(action="report.create").exists()


def test_create_refuses_a_month_not_begun(county, author):
    response = api(author).post(url("report-list"), {"month": "2099-01"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "report_invalid"
    assert "has not begun yet" in response.json()["detail"]
    assert not Report.objects.exists()


def test_too_long_countermeasures_are_refused_and_the_old_text_kept(issued, author):
    response = api(author).put(
        url("report-countermeasures", issued["south"]), {"text": "x" * 20_001}, content_type="application/json"
    )
    assert response.status_code == 400 and "text" in response.json()
    issued["south"].refresh_from_db()
    assert issued["south"].countermeasures == "对策 south"


def test_issue_without_countermeasures_is_refused_and_no_version_made(county, author):
    report = services.report_draft_create(actor=author, month=OCTOBER, station=county["south"])
    response = api(author).post(url("report-issue", report))
    assert response.status_code == 400 and response.json()["code"] == "report_invalid"
    assert "Write the countermeasures" in response.json()["detail"]
    assert not ReportVersion.objects.exists()


def test_messages_follow_the_callers_language(county, author):
    response = api(author, "zh-hans").post(url("report-list"), {"month": "2099-01"}, content_type="application/json")
    assert response.status_code == 400 and "2099-01" in response.json()["detail"]
    assert "has not begun" not in response.json()["detail"]


def test_version_parameter_is_checked(issued, leader):
    client = api(leader)
    bad = client.get(url("report-detail", issued["county"]), {"version": "abc"})
    assert bad.status_code == 400 and bad.json()["code"] == "bad_parameter"
    assert "must be the number of an issued version" in bad.json()["detail"]
    assert client.get(url("report-detail", issued["county"]), {"version": "7"}).status_code == 404
    assert client.get(url("report-xlsx", issued["county"]), {"version": "7"}).status_code == 404


def test_leadership_reads_issued_reports_only_and_cannot_write(issued, leader):
    client = api(leader)
    listed = client.get(url("report-list")).json()["results"]
    assert sorted(r["scope"] for r in listed) == ["North station", "whole county"]  # South's is a draft
    assert all(r["refreshed_at"] is None for r in listed)  # the draft's state is the authors'
    detail = client.get(url("report-detail", issued["county"])).json()
    assert detail["shown"]["number"] == 1 and detail["countermeasures"] == "对策 county"
    assert client.get(url("report-detail", issued["south"])).status_code == 404
    for name in ("report-refresh", "report-issue"):
        assert client.post(url(name, issued["county"])).status_code == 403
    put = client.put(url("report-countermeasures", issued["county"]), {"text": "x"}, content_type="application/json")
    assert put.status_code == 403
    created = client.post(url("report-list"), {"month": "2026-09"}, content_type="application/json")
    assert created.status_code == 403
    assert Report.objects.count() == 3 and ReportVersion.objects.count() == 2
    issued["county"].refresh_from_db()
    assert issued["county"].countermeasures == "对策 county"


def test_station_officer_sees_their_own_station_only(issued, north_head, south_officer_user):
    client = api(north_head)
    listed = client.get(url("report-list")).json()["results"]
    assert [r["scope"] for r in listed] == ["North station"]
    assert client.get(url("report-detail", issued["north"])).status_code == 200
    for name in ("report-detail", "report-xlsx", "report-pdf"):
        assert client.get(url(name, issued["county"])).status_code == 404, name
    assert api(south_officer_user).get(url("report-list")).json()["results"] == []
    assert api(south_officer_user).get(url("report-detail", issued["south"])).status_code == 404


def test_month_filter(issued, author):
    client = api(author)
    assert len(client.get(url("report-list"), {"month": "2026-10"}).json()["results"]) == 3
    assert client.get(url("report-list"), {"month": "2026-09"}).json()["results"] == []
    bad = client.get(url("report-list"), {"month": "October"})
    assert bad.status_code == 400 and "month" in bad.json()


@pytest.mark.parametrize("role", [Role.SCHOOL_STAFF, Role.DRONE_OPERATOR, Role.PUBLICITY_OFFICER])
def test_roles_without_the_analysis_get_403(issued, role):
    client = api(make_user(role))
    assert client.get(url("report-list")).status_code == 403
    assert client.get(url("report-detail", issued["county"])).status_code == 403


def test_anonymous_gets_401(issued):
    assert Client().get(url("report-list")).status_code == 401
    assert Client().get(url("report-xlsx", issued["county"])).status_code == 401


def test_xlsx_download_of_the_issued_version_is_audited(issued, leader):
    response = api(leader).get(url("report-xlsx", issued["county"]))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert "monthly-report-2026-10-county-v1.xlsx" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert list(book["Trend"].iter_rows(min_row=2, values_only=True))[-1] == ("2026-10", 4)
    export = AuditLogEntry.objects.filter(action="export.monthly_report").latest("id")
    assert (export.actor, export.after["format"], export.after["outcome"]) == (leader, "xlsx", "done")
    assert export.after["filters"] == {"report": issued["county"].pk, "version": 1}


@pytest.mark.skipif(not pdf_available(), reason="WeasyPrint is not installed: pip install -r requirements.txt")
def test_pdf_download(issued, north_head):
    response = api(north_head).get(url("report-pdf", issued["north"]), {"version": 1})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "monthly-report-2026-10-N01-v1.pdf" in response["Content-Disposition"]


def test_pdf_without_weasyprint_is_a_503_saying_so(issued, leader, monkeypatch):
    from reports import api as reports_api

    monkeypatch.setattr(reports_api, "pdf_available", lambda: False)
    response = api(leader).get(url("report-pdf", issued["county"]))
    assert response.status_code == 503 and response.json()["code"] == "pdf_unavailable"
    assert "WeasyPrint is not installed" in response.json()["detail"]


def test_the_schema_lists_the_report_api(admin):
    schema = api(admin).get(reverse("api_schema"), {"format": "json"}).json()
    paths = schema["paths"]
    assert {"/api/reports/", "/api/reports/{id}/", "/api/reports/{id}/issue/", "/api/reports/{id}/pdf/"} <= set(paths)
    assert "put" in paths["/api/reports/{id}/countermeasures/"] and "post" in paths["/api/reports/"]
