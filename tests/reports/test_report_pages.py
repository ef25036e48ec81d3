"""The report pages: who sees and does what, bad input, escaping, both languages, XLSX."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from common.models import AuditLogEntry
from common.roles import Role
from reports import services
from reports.models import Metric, Report, ReportVersion, Target
from tests.factories import make_user
from tests.reports.conftest import OCTOBER


def client_for(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.fixture
def issued(county, author):
    """The county's October report and North's, each issued once; South's only drafted."""
    made = {}
    for key, station in (("county", None), ("north", county["north"]), ("south", county["south"])):
        report = services.report_draft_create(actor=author, month=OCTOBER, station=station)
        services.report_countermeasures_save(
            actor=author, report=report, text="# 重点\n\n- 加强护学岗\n- <script>alert(1)</script> stays text"
        )
        if key != "south":
            services.report_issue(actor=author, report=report)
        made[key] = report
    return made


def test_author_creates_a_draft_from_the_list_page(county, author):
    response = client_for(author).post(reverse("reports:report-create"), {"month": "2026-10", "station": ""})
    report = Report.objects.get()
    assert response.status_code == 302 and response.url == reverse("reports:report-detail", args=[report.pk])
    assert report.station is None and report.snapshot["incidents"]["total"] == 4


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"month": "2026-13", "station": ""}, "must be a month written YYYY-MM"),
        ({"month": "", "station": ""}, "This field is required"),
        ({"month": "2026-10", "station": "999999"}, "Select a valid choice"),
        ({"month": "2099-01", "station": ""}, "has not begun yet"),
    ],
)
def test_create_rejects_bad_input_and_writes_nothing(county, author, data, message):
    client = client_for(author)
    response = client.post(reverse("reports:report-create"), data, follow=True)
    assert message in response.content.decode()
    assert not Report.objects.exists()


def test_leadership_sees_issued_reports_only_and_cannot_write(issued, leader):
    client = client_for(leader)
    page = client.get(reverse("reports:report-list")).content.decode()
    assert "North station" in page and "South station" not in page  # South's is a draft
    assert client.get(reverse("reports:report-detail", args=[issued["south"].pk])).status_code == 404
    assert client.get(reverse("reports:report-preview", args=[issued["county"].pk])).status_code == 200
    for name in ("reports:report-refresh", "reports:report-issue", "reports:report-countermeasures"):
        assert client.post(reverse(name, args=[issued["county"].pk]), {"text": "x"}).status_code == 403
    assert client.post(reverse("reports:report-create"), {"month": "2026-10"}).status_code == 403
    assert client.get(reverse("reports:target-list")).status_code == 403
    assert ReportVersion.objects.count() == 2


def test_station_officer_sees_their_station_report_only(issued, north_head, south_officer_user):
    client = client_for(north_head)
    page = client.get(reverse("reports:report-list")).content.decode()
    assert "North station" in page and "whole county" not in page
    assert client.get(reverse("reports:report-preview", args=[issued["north"].pk])).status_code == 200
    assert client.get(reverse("reports:report-preview", args=[issued["county"].pk])).status_code == 404
    assert client.get(reverse("reports:report-xlsx", args=[issued["county"].pk])).status_code == 404
    # South's report is not issued: nothing for its officer to see yet.
    south = client_for(south_officer_user)
    assert south.get(reverse("reports:report-detail", args=[issued["south"].pk])).status_code == 404


@pytest.mark.parametrize("role", [Role.SCHOOL_STAFF, Role.DRONE_OPERATOR, Role.PUBLICITY_OFFICER])
def test_roles_without_the_analysis_get_403(issued, role):
    client = client_for(make_user(role))
    assert client.get(reverse("reports:report-list")).status_code == 403
    assert client.get(reverse("reports:report-preview", args=[issued["county"].pk])).status_code == 403


def test_anonymous_is_sent_to_login(issued):
    response = Client().get(reverse("reports:report-list"))
    assert response.status_code == 302 and reverse("login") in response.url


def test_countermeasures_are_escaped_in_the_preview(issued, leader):
    page = client_for(leader).get(reverse("reports:report-preview", args=[issued["county"].pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; stays text" in page
    assert "<script>alert(1)</script>" not in page
    assert "<h3>重点</h3>" in page and "<li>加强护学岗</li>" in page


def test_preview_reads_in_both_languages(issued, leader):
    url = reverse("reports:report-preview", args=[issued["county"].pk])
    english = client_for(leader, "en").get(url).content.decode()
    chinese = client_for(leader, "zh-hans").get(url).content.decode()
    assert "1. Incidents and response" in english and "7. Unit scorecards" in english
    assert "一、警情与处置" in chinese and "七、单位考核" in chinese and "八、对策措施" in chinese
    assert "Traffic" in english or "traffic" in english.lower()
    assert "66.7" in english and "66.7" in chinese  # liaison coverage and satisfaction of the county
    assert 'class="mainnav"' not in english  # the print view has no menu


def test_version_parameter_is_checked(issued, leader, author):
    url = reverse("reports:report-preview", args=[issued["county"].pk])
    response = client_for(leader).get(url, {"version": "abc"})
    assert response.status_code == 400 and "must be the number of an issued version" in response.content.decode()
    assert client_for(leader).get(url, {"version": "7"}).status_code == 404
    assert client_for(leader).get(url, {"version": "1"}).status_code == 200
    # Without a version an author sees the draft, a reader the latest issued version.
    assert "DRAFT" in client_for(author).get(url).content.decode()
    assert "DRAFT" not in client_for(leader).get(url).content.decode()


def test_issue_from_the_page_makes_the_next_version(issued, author):
    client = client_for(author)
    response = client.post(reverse("reports:report-issue", args=[issued["county"].pk]), follow=True)
    assert "Issued as version 2." in response.content.decode()
    assert list(issued["county"].versions.values_list("number", flat=True).order_by("number")) == [1, 2]


def test_countermeasures_form_saves_and_rejects_too_long_text(issued, author):
    client = client_for(author)
    url = reverse("reports:report-countermeasures", args=[issued["south"].pk])
    client.post(url, {"text": "新的对策"})
    issued["south"].refresh_from_db()
    assert issued["south"].countermeasures == "新的对策"
    response = client.post(url, {"text": "x" * 20_001}, follow=True)
    assert "The countermeasures were not saved" in response.content.decode()
    issued["south"].refresh_from_db()
    assert issued["south"].countermeasures == "新的对策"


def test_xlsx_has_one_sheet_per_section_with_the_figures(issued, leader):
    response = client_for(leader).get(reverse("reports:report-xlsx", args=[issued["county"].pk]))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert {"Incidents", "Trend", "Liaison coverage", "Gate duty", "Drills and plans", "Follow-ups",
            "Drones and publicity", "Scorecards", "Countermeasures"} <= set(book.sheetnames)  # fmt: skip
    trend = [row for row in book["Trend"].iter_rows(min_row=2, values_only=True)]
    assert trend[-1] == ("2026-10", 4)
    duty = {row[0]: row[1:6] for row in book["Gate duty"].iter_rows(min_row=2, values_only=True)}
    assert duty["Total"] == (3, 2, 1, 1, 1)
    cards = [r for r in book["Scorecards"].iter_rows(min_row=2, values_only=True) if r[0] == "North station"]
    liaison = next(r for r in cards if r[1].startswith("一校一警"))
    assert liaison[2:] == (50.0, 90.0, "missed")
    export = AuditLogEntry.objects.filter(action="export.monthly_report").latest("id")
    assert (export.actor, export.after["format"], export.after["outcome"]) == (leader, "xlsx", "done")
    assert export.after["filters"] == {"report": issued["county"].pk, "version": 1}


def test_targets_page_saves_and_rejects_bad_values(county, admin):
    client = client_for(admin)
    url = reverse("reports:target-list")
    assert client.get(url).status_code == 200
    response = client.post(url, {"metric": Metric.SATISFACTION_PCT, "station": county["south"].pk, "value": "85"})
    assert response.status_code == 302
    assert Target.objects.get(metric=Metric.SATISFACTION_PCT, station=county["south"]).value == 85
    for data, message in (
        ({"metric": Metric.SATISFACTION_PCT, "station": "", "value": "120"}, "between 0 and 100"),
        ({"metric": Metric.INCIDENTS, "station": "", "value": "-1"}, "greater than or equal to 0"),
        ({"metric": "bogus", "station": "", "value": "1"}, "Select a valid choice"),
        ({"metric": Metric.INCIDENTS, "station": "", "value": "many"}, "Enter a number"),
    ):
        response = client.post(url, data)
        assert response.status_code == 400 and message in response.content.decode(), data
    assert not Target.objects.filter(metric=Metric.SATISFACTION_PCT, station=None).exists()
    assert not Target.objects.filter(metric=Metric.INCIDENTS).exists()


def test_pdf_says_so_when_weasyprint_is_missing(issued, leader, monkeypatch):
    from reports import views

    monkeypatch.setattr(views, "pdf_available", lambda: False)
    response = client_for(leader).get(reverse("reports:report-pdf", args=[issued["county"].pk]))
    assert response.status_code == 503 and "WeasyPrint is not installed" in response.content.decode()


def test_nav_shows_reports_to_readers_and_targets_to_authors(issued, leader, author):
    leader_page = client_for(leader).get(reverse("reports:report-list")).content.decode()
    author_page = client_for(author).get(reverse("reports:report-list")).content.decode()
    targets = reverse("reports:target-list")
    assert f'href="{targets}"' not in leader_page and f'href="{targets}"' in author_page
