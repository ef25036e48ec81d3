"""Activity pages and API: record, list with filters, counts per term (page, XLSX, JSON), school scope."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from campus.models import Term
from drills.models import Activity
from tests.drills.factories import ActivityFactory
from tests.drills.test_plans_service import make_world


@pytest.fixture
def w(db):
    world = make_world()
    today = timezone.localdate()
    world.term = Term.objects.create(
        school_year="2026-2027",
        name="Autumn",
        start_date=today - dt.timedelta(days=60),
        end_date=today + dt.timedelta(days=30),
    )
    return world


def days(n: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=n)).isoformat()


def form(w, **extra) -> dict:
    return {
        "kind": "legal_education",
        "school": w.school_a.pk,
        "date": days(-2),
        "title": "法制教育进校园",
        "audience": "450",
        "notes": "<script>alert(1)</script>",
        **extra,
    }


def test_officer_records_an_activity_and_notes_are_escaped(client, w):
    client.force_login(w.officer_user)
    response = client.post(reverse("drills:activity-new"), form(w))
    activity = Activity.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("drills:activity-detail", kwargs={"pk": activity.pk})
    assert list(activity.officers.all()) == [w.officer] and activity.station == w.station
    page = client.get(response["Location"]).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


def test_a_future_date_is_refused_on_the_form(client, w):
    client.force_login(w.officer_user)
    response = client.post(reverse("drills:activity-new"), form(w, date=days(1)))
    assert response.status_code == 200
    assert f"The date {days(1)} is in the future" in response.content.decode()
    assert Activity.objects.count() == 0


def test_a_negative_audience_is_refused_on_the_form(client, w):
    client.force_login(w.officer_user)
    response = client.post(reverse("drills:activity-new"), form(w, audience="-3"))
    assert response.status_code == 200
    assert "The audience size cannot be negative." in response.content.decode()
    assert Activity.objects.count() == 0


def test_school_staff_cannot_record_activities(client, w):
    client.force_login(w.staff)
    assert client.post(reverse("drills:activity-new"), form(w)).status_code == 403
    assert Activity.objects.count() == 0


def test_list_filters_and_staff_scope(client, w):
    ActivityFactory(school=w.school_a, kind="anti_fraud", title="Talk A", date=timezone.localdate())
    ActivityFactory(school=w.school_a, kind="open_day", title="Open day A", date=timezone.localdate())
    ActivityFactory(school=w.school_b, kind="anti_fraud", title="Talk B", date=timezone.localdate())
    client.force_login(w.scheduler)
    page = client.get(reverse("drills:activity-list"), {"kind": "anti_fraud"}).content.decode()
    assert "Talk A" in page and "Talk B" in page and "Open day A" not in page
    page = client.get(reverse("drills:activity-list"), {"kind": "bogus"}).content.decode()
    assert "Unknown kind of activity: bogus." in page
    client.force_login(w.staff)
    page = client.get(reverse("drills:activity-list")).content.decode()
    assert "Talk A" in page and "Talk B" not in page


def test_counts_page_and_xlsx(client, w):
    a = ActivityFactory(school=w.school_a, date=timezone.localdate(), audience=100)
    a.officers.add(w.officer)
    ActivityFactory(school=w.school_b, date=timezone.localdate(), audience=40, kind="legal_education")
    client.force_login(w.leader)
    page = client.get(reverse("drills:activity-counts"), {"term": w.term.pk}).content.decode()
    assert "Officer Wang" in page and "School A" in page and "School B" in page
    response = client.get(reverse("drills:activity-counts"), {"term": w.term.pk, "type": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Schools", "Officers", "Stations"]
    schools = {row[0]: row[1:3] for row in book["Schools"].iter_rows(min_row=3, values_only=True)}
    assert schools["School A"] == (1, 100) and schools["School B"] == (1, 40) and schools["Total"] == (2, 140)
    officers = [row for row in book["Officers"].iter_rows(min_row=3, values_only=True)]
    assert officers[0][0].startswith("Officer Wang") and officers[0][1] == 1
    bad = client.get(reverse("drills:activity-counts"), {"type": "pdf"})
    assert bad.status_code == 400


def test_api_create_list_detail_and_counts(client, w):
    client.force_login(w.officer_user)
    created = client.post(
        reverse("drills_api:activity-list"),
        {"kind": "liaison_visit", "school": w.school_a.pk, "date": days(-1), "title": "Visit"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["officers"][0]["id"] == w.officer.pk and created.json()["audience"] == 0
    listed = client.get(reverse("drills_api:activity-list"), {"officer": w.officer.pk}).json()
    assert [r["id"] for r in listed["results"]] == [created.json()["id"]]
    detail = client.get(reverse("drills_api:activity-detail", kwargs={"pk": created.json()["id"]})).json()
    assert detail["kind"] == "liaison_visit"
    counts = client.get(reverse("drills_api:activity-counts"), {"term": w.term.pk}).json()
    assert counts["total"]["activities"] == 1
    assert counts["officers"] == [
        {
            "officer": w.officer.pk,
            "name": "Officer Wang",
            "badge_no": w.officer.badge_no,
            "activities": 1,
            "audience": 0,
            "by_kind": {"liaison_visit": 1},
        }
    ]
    assert counts["stations"][0]["station"] == w.station.pk


def test_api_refuses_a_future_date_and_staff(client, w):
    client.force_login(w.officer_user)
    response = client.post(
        reverse("drills_api:activity-list"),
        {"kind": "anti_fraud", "school": w.school_a.pk, "date": days(3), "title": "Talk", "audience": 10},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "is in the future" in response.json()["errors"]["date"][0]
    client.force_login(w.staff)
    response = client.post(
        reverse("drills_api:activity-list"),
        {"kind": "anti_fraud", "school": w.school_a.pk, "date": days(-3), "title": "Talk", "audience": 10},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert Activity.objects.count() == 0
    bad = client.get(reverse("drills_api:activity-list"), {"from": "yesterday"})
    assert bad.status_code == 400 and "from" in bad.json()["errors"]
