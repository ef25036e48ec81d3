"""Plans API: list, add a version (new plan or next version), detail with history, board; scoped to schools."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from drills.models import DrillRule, EmergencyPlan, EmergencyPlanVersion
from drills.plans import services as plans
from tests.drills.factories import DrillRuleFactory
from tests.drills.test_plans_service import make_world


@pytest.fixture
def w(db):
    return make_world()


def days(n: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=n)).isoformat()


def body(w, **extra) -> dict:
    return {
        "school": w.school_a.pk,
        "scenario": w.fire.pk,
        "title": "Fire plan",
        "version": 1,
        "effective_date": days(-3),
        "approved_by": "Principal Li",
        "approved_on": days(-3),
        "text": "<b>Who</b> does what.",
        **extra,
    }


def test_create_then_next_version_then_detail(client, w):
    client.force_login(w.scheduler)
    created = client.post(reverse("drills_api:plan-list"), body(w), content_type="application/json")
    assert created.status_code == 201, created.content
    plan_id = created.json()["id"]
    assert created.json()["current_version"] == 1
    approved = timezone.localdate() - dt.timedelta(days=3)
    assert created.json()["review_due"] == plans.default_review_due(approved).isoformat()
    nxt = client.post(
        reverse("drills_api:plan-versions", kwargs={"pk": plan_id}),
        {"version": 2, "effective_date": days(0), "approved_by": "Board", "approved_on": days(0), "text": "v2"},
        content_type="application/json",
    )
    assert nxt.status_code == 201, nxt.content
    detail = client.get(reverse("drills_api:plan-detail", kwargs={"pk": plan_id})).json()
    assert [v["version"] for v in detail["versions"]] == [2, 1]
    assert detail["versions"][1]["text"] == "<b>Who</b> does what."
    listed = client.get(reverse("drills_api:plan-list"), {"school": w.school_a.pk}).json()
    assert [p["id"] for p in listed["results"]] == [plan_id]


def test_an_older_version_is_refused_with_a_code_and_nothing_written(client, w):
    client.force_login(w.admin)
    plan_id = client.post(reverse("drills_api:plan-list"), body(w, version=3), content_type="application/json").json()[
        "id"
    ]
    response = client.post(
        reverse("drills_api:plan-versions", kwargs={"pk": plan_id}),
        {"version": 2, "effective_date": days(0), "approved_by": "Board", "approved_on": days(0), "text": "old"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "plan_version_outdated"
    assert "current version of “Fire plan” is version 3" in response.json()["detail"]
    assert EmergencyPlanVersion.objects.count() == 1


def test_a_future_approval_date_is_refused(client, w):
    client.force_login(w.admin)
    response = client.post(
        reverse("drills_api:plan-list"),
        body(w, approved_on=days(2), effective_date=days(2)),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "is in the future" in response.json()["errors"]["approved_on"][0]
    assert EmergencyPlan.objects.count() == 0


def test_staff_posting_for_another_school_get_403_and_nothing_is_written(client, w):
    client.force_login(w.staff)
    response = client.post(
        reverse("drills_api:plan-list"), body(w, school=w.school_b.pk), content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "other_school"
    assert EmergencyPlan.objects.count() == 0
    body_without_school = body(w)
    del body_without_school["school"]
    own = client.post(reverse("drills_api:plan-list"), body_without_school, content_type="application/json")
    assert own.status_code == 201 and own.json()["school"] == w.school_a.pk


def test_board_lists_missing_and_overdue(client, w):
    DrillRule.objects.all().delete()
    DrillRuleFactory(drill_type=w.quake)
    client.force_login(w.admin)
    client.post(
        reverse("drills_api:plan-list"),
        body(w, approved_on=days(-400), effective_date=days(-400)),
        content_type="application/json",
    )
    board = client.get(reverse("drills_api:plan-board")).json()
    assert board["overdue"] == 1 and board["missing"] == 2
    row = next(s for s in board["schools"] if s["school"] == w.school_a.pk)
    assert row["plans"][0]["review_status"] == "overdue"
    assert row["missing_scenarios"] == [w.quake.code]
