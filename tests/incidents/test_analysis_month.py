"""The monthly analysis on a small hand-made month: counts, times, satisfaction, deltas, page, API, XLSX."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.urls import reverse

from common.roles import Role
from incidents.analysis import figures as analysis_figures
from incidents.analysis import selectors as analysis_selectors
from incidents.models import Incident
from tests.factories import SchoolFactory, StationFactory, make_user
from tests.incidents.factories import FollowUpFactory, IncidentFactory, RectificationFactory

LOCAL = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=LOCAL)


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=LOCAL)


def minutes(value: int) -> dt.timedelta:
    return dt.timedelta(minutes=value)


def incident(school, *, created: str, occurred: str, ack: int | None = None, resolved: int | None = None, **kw):
    created_at = local(created)
    status = "resolved" if resolved is not None else "acknowledged" if ack is not None else "reported"
    return IncidentFactory(
        school=school,
        created_at=created_at,
        occurred_at=local(occurred),
        acknowledged_at=created_at + minutes(ack) if ack is not None else None,
        resolved_at=created_at + minutes(resolved) if resolved is not None else None,
        status=kw.pop("status", status),
        **kw,
    )


@pytest.fixture
def limits(settings):
    settings.INCIDENT_ACK_MINUTES = {"urgent": 5, "high": 15, "medium": 60, "low": 240}
    settings.INCIDENT_RESOLVE_HOURS = {"urgent": 4, "high": 24, "medium": 72, "low": 168}


@pytest.fixture
def month(db, limits):
    """October 2026 (local time): five reports, three in September, follow-ups and rectification items."""
    station = StationFactory(name="North station")
    school = SchoolFactory(name="<script>alert(1)</script> School")
    school.responsible_station = station
    school.save(update_fields=["responsible_station"])
    oct_ = [
        incident(school, created="2026-10-05 07:40", occurred="2026-10-05 07:30", ack=10, resolved=60,
                 category="suspicious", severity="medium"),
        incident(school, created="2026-10-06 16:50", occurred="2026-10-06 16:45", ack=20, resolved=120,
                 category="traffic", severity="medium"),
        incident(school, created="2026-10-07 17:05", occurred="2026-10-07 17:00", ack=30, resolved=240,
                 category="traffic", severity="medium"),
        incident(school, created="2026-10-10 12:00", occurred="2026-10-10 11:55", ack=40, category="fight",
                 severity="high", escalation=Incident.Escalation.STATION_HEAD),
        # Thursday 00:05 local is Wednesday 16:05 UTC; reported just after local midnight of October 1st.
        incident(school, created="2026-10-01 00:20", occurred="2026-10-01 00:05", category="theft",
                 severity="low", escalation=Incident.Escalation.BRIGADE),
    ]  # fmt: skip
    sep = [
        incident(school, created="2026-09-03 08:00", occurred="2026-09-03 07:50", ack=5, resolved=50,
                 category="traffic", status="closed"),
        incident(school, created="2026-09-10 08:00", occurred="2026-09-10 07:50", ack=5, resolved=50,
                 category="traffic", status="closed"),
        incident(school, created="2026-09-20 08:00", occurred="2026-09-20 07:50", ack=5, resolved=50,
                 category="fire", status="closed"),
    ]  # fmt: skip
    # 2026-11-01 00:10 local is still October 31st in UTC: it belongs to November.
    incident(school, created="2026-11-01 00:10", occurred="2026-11-01 00:00", category="fire")
    FollowUpFactory(incident=oct_[0], status="done", satisfaction="satisfied", done_at=local("2026-10-08 10:00"))
    FollowUpFactory(incident=oct_[1], status="done", satisfaction="satisfied", done_at=local("2026-10-09 10:00"))
    FollowUpFactory(incident=oct_[2], status="done", satisfaction="basically", done_at=local("2026-10-12 10:00"))
    FollowUpFactory(incident=sep[2], status="done", satisfaction="unsatisfied", done_at=local("2026-10-02 10:00"))
    FollowUpFactory(incident=sep[0], status="done", satisfaction="satisfied", done_at=local("2026-09-30 23:00"))
    FollowUpFactory(incident=sep[1], due_at=local("2026-10-20 10:00"))  # pending: not counted
    RectificationFactory(incident=sep[2], created_at=local("2026-10-02 10:00"))
    RectificationFactory(
        incident=sep[2], created_at=local("2026-10-15 10:00"), status="cleared", cleared_at=local("2026-10-18 10:00")
    )
    RectificationFactory(incident=sep[1], created_at=local("2026-09-20 10:00"))
    return {"station": station, "school": school, "october": oct_}


def test_percentile_interpolates_between_closest_ranks():
    assert analysis_figures.percentile([], 50) is None
    assert analysis_figures.percentile([5], 90) == 5
    assert analysis_figures.percentile([4, 1, 3, 2], 50) == 2.5
    assert analysis_figures.percentile([1, 2, 3, 4], 90) == pytest.approx(3.7)
    assert analysis_figures.percentile([10, 20, 30, 40, 50], 90) == pytest.approx(46)


def test_counts_by_category_severity_school_station(month):
    report = analysis_selectors.month_analysis(month=dt.date(2026, 10, 1), now=NOW)
    assert report.total == 5
    cats = {row.key: row.count for row in report.by_category}
    assert cats == {**dict.fromkeys(cats, 0), "suspicious": 1, "traffic": 2, "fight": 1, "theft": 1}
    assert [r.key for r in report.by_category][0] == "intruder"  # every category, in the choices' order
    assert {r.key: r.count for r in report.by_severity} == {"low": 1, "medium": 3, "high": 1, "urgent": 0}
    assert [(r.label, r.count) for r in report.by_school] == [("<script>alert(1)</script> School", 5)]
    assert [(r.label, r.count) for r in report.by_station] == [("North station", 5)]
    assert {r.key: r.count for r in report.by_status}["acknowledged"] == 1


def test_hour_and_weekday_are_local_time_of_the_incident(month):
    report = analysis_selectors.month_analysis(month=dt.date(2026, 10, 1), now=NOW)
    hours = {int(r.key): r.count for r in report.by_hour if r.count}
    assert len(report.by_hour) == 24
    assert hours == {0: 1, 7: 1, 11: 1, 16: 1, 17: 1}
    weekdays = [r.count for r in report.by_weekday]
    assert weekdays == [1, 1, 1, 1, 0, 1, 0]  # Mon 5th, Tue 6th, Wed 7th, Thu 1st (00:05), Sat 10th


def test_acknowledgement_and_resolution_medians_and_p90(month):
    report = analysis_selectors.month_analysis(month=dt.date(2026, 10, 1), now=NOW)
    ack = {r.key: r for r in report.ack_times}
    res = {r.key: r for r in report.resolve_times}
    assert (ack["all"].measured, ack["all"].open, ack["all"].median_min, ack["all"].p90_min) == (4, 1, 25.0, 37.0)
    assert (ack["medium"].median_min, ack["medium"].p90_min) == (20.0, 28.0)
    assert (ack["high"].measured, ack["high"].median_min, ack["high"].p90_min) == (1, 40.0, 40.0)
    assert (ack["low"].measured, ack["low"].open, ack["low"].median_min) == (0, 1, None)
    assert (res["all"].measured, res["all"].open, res["all"].median_min, res["all"].p90_min) == (3, 2, 120.0, 216.0)
    assert (res["urgent"].measured, res["urgent"].open, res["urgent"].p90_min) == (0, 0, None)


def test_satisfaction_counts_follow_ups_done_in_the_month(month):
    sat = analysis_selectors.month_analysis(month=dt.date(2026, 10, 1), now=NOW).satisfaction
    assert (sat.done, sat.satisfied, sat.basically, sat.unsatisfied) == (4, 2, 1, 1)
    assert sat.rate_pct == 75.0


def test_previous_month_delta_per_category(month):
    report = analysis_selectors.month_analysis(month=dt.date(2026, 10, 1), now=NOW)
    rows = {r.key: (r.count, r.previous, r.delta) for r in report.by_category}
    assert rows["traffic"] == (2, 2, 0)
    assert rows["fire"] == (0, 1, -1)
    assert rows["suspicious"] == (1, 0, 1)
    assert (report.total, report.previous_total, report.total_delta) == (5, 3, 2)


def test_escalations_overdue_and_rectifications(month):
    report = analysis_selectors.month_analysis(month=dt.date(2026, 10, 1), now=NOW)
    assert (report.escalated, report.escalated_to_head, report.escalated_to_brigade) == (2, 1, 1)
    # The high one was acknowledged after 40 of 15 minutes; the low one never was (and neither is resolved).
    assert (report.ack_overdue, report.resolve_overdue, report.overdue) == (2, 2, 2)
    rect = report.rectifications
    assert (rect.created, rect.open, rect.cleared, rect.open_total) == (2, 1, 1, 2)


def test_station_filter_keeps_only_its_incidents(month):
    other = StationFactory(name="South station")
    school_b = SchoolFactory()
    IncidentFactory(school=school_b, station=other, created_at=local("2026-10-20 08:00"))
    assert analysis_selectors.month_analysis(month=dt.date(2026, 10, 1), now=NOW).total == 6
    report = analysis_selectors.month_analysis(month=dt.date(2026, 10, 1), station=month["station"], now=NOW)
    assert report.total == 5
    assert analysis_selectors.month_analysis(month=dt.date(2026, 10, 1), station=other, now=NOW).total == 1


def test_page_shows_the_month_with_charts_and_escaped_names(client, month):
    client.force_login(make_user(Role.BRIGADE_SCHEDULER))
    response = client.get(reverse("incidents:analysis-month"), {"month": "2026-10"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; School" in body
    assert body.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"') == 4
    assert "75.0%" in body
    assert "incident_hotspots.js" in body


def test_station_officer_sees_the_county_and_can_filter(client, month):
    other = StationFactory(name="South station")
    IncidentFactory(school=SchoolFactory(), station=other, created_at=local("2026-10-20 08:00"))
    client.force_login(make_user(Role.STATION_OFFICER))
    url = reverse("incidents_api:analysis-month")
    assert client.get(url, {"month": "2026-10"}).json()["total"] == 6
    data = client.get(url, {"month": "2026-10", "station": other.pk}).json()
    assert data["total"] == 1
    assert data["station"] == {"id": other.pk, "name": "South station"}


def test_api_returns_the_analysis_as_json(client, month):
    client.force_login(make_user(Role.LEADERSHIP))
    data = client.get(reverse("incidents_api:analysis-month"), {"month": "2026-10"}).json()
    assert data["month"] == "2026-10"
    assert data["total"] == 5 and data["previous_total"] == 3
    assert data["satisfaction"] == {"done": 4, "satisfied": 2, "basically": 1, "unsatisfied": 1, "rate_pct": 75.0}
    overall = next(r for r in data["ack_times"] if r["key"] == "all")
    assert (overall["median_min"], overall["p90_min"]) == (25.0, 37.0)
    assert len(data["incidents"]) == 5
    first = data["incidents"][0]
    assert first["created_at"].startswith("2026-10-01T00:20:00+08:00")
    assert first["ack_minutes"] is None


def test_hotspots_place_incidents_at_point_gate_or_school(client, month):
    from tests.factories import GateFactory

    school = month["school"]
    gate = GateFactory(school=school, lat=36.2, lon=118.2)
    IncidentFactory(school=school, gate=gate, created_at=local("2026-10-21 08:00"))
    IncidentFactory(school=school, lat=36.3, lon=118.3, gate=gate, created_at=local("2026-10-22 08:00"))
    client.force_login(make_user(Role.BUREAU_ADMIN))
    data = client.get(reverse("incidents_api:analysis-hotspots"), {"month": "2026-10"}).json()
    points = [(f["geometry"]["coordinates"], f["properties"]["source"]) for f in data["incidents"]["features"]]
    assert ([118.2, 36.2], "gate") in points
    assert ([118.3, 36.3], "point") in points
    assert ([school.lon, school.lat], "school") in points
    assert data["schools"]["features"][0]["properties"]["count"] == 7


def test_xlsx_export_has_a_sheet_per_breakdown_and_the_incidents(client, month):
    client.force_login(make_user(Role.BUREAU_ADMIN))
    response = client.get(reverse("incidents:analysis-month"), {"month": "2026-10", "type": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="incident-analysis-2026-10.xlsx"' in response["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == [
        "Summary",
        "Categories",
        "Severity",
        "Status",
        "Schools",
        "Stations",
        "Hours",
        "Weekdays",
        "Times",
        "Incidents",
    ]
    assert [c.value for c in wb["Hours"]["A"][1:]] == list(range(24))
    rows = list(wb["Incidents"].iter_rows(values_only=True))
    assert rows[0][0] == "Reference" and rows[0][-1] == "Satisfaction"
    assert len(rows) == 6
    first = {h: v for h, v in zip(rows[0], rows[1], strict=True)}
    assert first["Reported at"] == local("2026-10-01 00:20").replace(tzinfo=None)  # local wall-clock time
    second = {h: v for h, v in zip(rows[0], rows[2], strict=True)}
    assert (second["Acknowledgement (min)"], second["Resolution (min)"]) == (10, 60)
    assert second["Satisfaction"] == "Satisfied"
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True)}
    assert summary["Satisfaction rate %"] == 75.0


def test_station_in_xlsx_file_name(client, month):
    client.force_login(make_user(Role.BUREAU_ADMIN))
    station = month["station"]
    response = client.get(
        reverse("incidents:analysis-month"), {"month": "2026-10", "type": "xlsx", "station": station.pk}
    )
    assert f'filename="incident-analysis-2026-10-{station.code}.xlsx"' in response["Content-Disposition"]


def test_empty_month_renders_zeros(client, db, limits):
    client.force_login(make_user(Role.BUREAU_ADMIN))
    response = client.get(reverse("incidents:analysis-month"), {"month": "2020-01"})
    assert response.status_code == 200
    assert "2020-01" in response.content.decode()
    data = client.get(reverse("incidents_api:analysis-month"), {"month": "2020-01"}).json()
    assert data["total"] == 0 and data["incidents"] == []
    assert all(r["count"] == 0 for r in data["by_hour"])
    assert data["satisfaction"]["rate_pct"] is None
    assert next(r for r in data["ack_times"] if r["key"] == "all")["median_min"] is None
    xlsx = client.get(reverse("incidents:analysis-month"), {"month": "2020-01", "type": "xlsx"})
    assert len(list(openpyxl.load_workbook(io.BytesIO(xlsx.content))["Incidents"].iter_rows())) == 1


def test_default_month_is_the_current_one(client, db):
    client.force_login(make_user(Role.BUREAU_ADMIN))
    data = client.get(reverse("incidents_api:analysis-month")).json()
    from django.utils import timezone

    assert data["month"] == f"{timezone.localdate():%Y-%m}"


@pytest.mark.parametrize("value", ["2026-13", "2026-00", "garbage", "2026-1", "26-10", "<script>x</script>"])
def test_bad_month_is_a_clear_error_on_the_page_and_400_in_the_api(client, db, value):
    client.force_login(make_user(Role.BUREAU_ADMIN))
    before = Incident.objects.count()
    response = client.get(reverse("incidents:analysis-month"), {"month": value})
    assert response.status_code == 400
    body = response.content.decode()
    assert "The parameter “month” must be a month written YYYY-MM" in body
    assert "<script>x" not in body
    api = client.get(reverse("incidents_api:analysis-month"), {"month": value})
    assert api.status_code == 400
    assert api.json()["code"] == "bad_parameter"
    assert "“month”" in api.json()["detail"]
    assert api.json()["errors"] == [{"parameter": "month", "value": value}]
    assert client.get(reverse("incidents_api:analysis-hotspots"), {"month": value}).status_code == 400
    assert Incident.objects.count() == before


def test_bad_station_and_type_name_the_parameter(client, db):
    client.force_login(make_user(Role.BUREAU_ADMIN))
    page = client.get(reverse("incidents:analysis-month"), {"station": "abc"})
    assert (
        page.status_code == 400
        and "The parameter “station” must be the id of a police station" in page.content.decode()
    )
    api = client.get(reverse("incidents_api:analysis-month"), {"station": "999999"})
    assert api.status_code == 400 and "“station”" in api.json()["detail"]
    page = client.get(reverse("incidents:analysis-month"), {"type": "pdf"})
    assert page.status_code == 400 and "The parameter “type” must be “xlsx”" in page.content.decode()


def test_school_staff_cannot_see_the_analysis(client, month):
    client.force_login(make_user(Role.SCHOOL_STAFF, school=month["school"]))
    assert client.get(reverse("incidents:analysis-month")).status_code == 403
    assert client.get(reverse("incidents:analysis-month"), {"type": "xlsx"}).status_code == 403
    assert client.get(reverse("incidents_api:analysis-month")).status_code == 403
    assert client.get(reverse("incidents_api:analysis-hotspots")).status_code == 403
