"""Permission-matrix rows for emergency plans and police-school activities (see ``tests.drills.matrix``).

``school_a`` is the staff user's school and the station officer's liaison school; ``school_b`` is another
school. Writes for ``school_a`` succeed for staff; for ``school_b`` staff get 404 (not visible) or 403.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests.drills.factories import ActivityFactory, DrillTypeFactory, EmergencyPlanFactory, EmergencyPlanVersionFactory
from tests.permission_case import Case


def _pk(name: str):
    return lambda w: {"pk": w[name].pk}


def _yesterday() -> str:
    return (timezone.localdate() - dt.timedelta(days=1)).isoformat()


def _version(number: int, **extra):
    def body(w) -> dict:
        return {
            "version": number,
            "effective_date": _yesterday(),
            "approved_by": "Principal",
            "approved_on": _yesterday(),
            "text": "Who does what.",
            **extra,
        }

    return body


def _new_plan(school_key: str):
    def body(w) -> dict:
        return {**_version(1)(w), "school": w[school_key].pk, "scenario": w["plans_scenario_new"].pk, "title": "Fire"}

    return body


def _activity(school_key: str):
    def body(w) -> dict:
        return {
            "kind": "anti_fraud",
            "school": w[school_key].pk,
            "date": _yesterday(),
            "title": "Anti-fraud talk",
            "audience": 120,
        }

    return body


PAGE_VIEW = "302 200 200 200 200 403 200"  # VIEW_DRILLS
PAGE_VIEW_OTHER = "302 200 200 200 404 403 200"
PAGE_RECORD = "302 200 200 403 200 403 403"  # RECORD_DRILLS
API_VIEW = "401 200 200 200 200 403 200"
API_VIEW_OTHER = "401 200 200 200 404 403 200"

CASES: list = [
    Case("drills:plan-list", PAGE_VIEW),
    Case("drills:plan-school", PAGE_VIEW, kwargs=_pk("school_a"), label="own school"),
    Case("drills:plan-school", PAGE_VIEW_OTHER, kwargs=_pk("school_b"), label="other school"),
    Case("drills:plan-detail", PAGE_VIEW, kwargs=_pk("plan_own"), label="own school"),
    Case("drills:plan-detail", PAGE_VIEW_OTHER, kwargs=_pk("plan_other"), label="other school"),
    Case("drills:plan-new", PAGE_RECORD),
    Case("drills:plan-new", "302 302 302 403 302 403 403", method="post", label="save", data=_new_plan("school_a")),
    Case(
        "drills:plan-new",
        "302 302 302 403 403 403 403",
        method="post",
        label="another school",
        data=_new_plan("school_b"),
    ),
    Case("drills:plan-version-new", PAGE_RECORD, kwargs=_pk("plan_own"), label="own school"),
    Case(
        "drills:plan-version-new",
        "302 302 302 403 302 403 403",
        method="post",
        label="save",
        kwargs=_pk("plan_own"),
        data=_version(2),
    ),
    Case(
        "drills:plan-version-new",
        "302 302 302 403 404 403 403",
        method="post",
        label="another school",
        kwargs=_pk("plan_other"),
        data=_version(2),
    ),
    Case("drills:activity-list", PAGE_VIEW),
    Case("drills:activity-counts", PAGE_VIEW),
    Case("drills:activity-detail", PAGE_VIEW, kwargs=_pk("activity_own"), label="own school"),
    Case("drills:activity-detail", PAGE_VIEW_OTHER, kwargs=_pk("activity_other"), label="other school"),
    Case("drills:activity-new", "302 200 200 200 403 403 403"),
    Case("drills:activity-new", "302 302 302 302 403 403 403", method="post", label="save", data=_activity("school_a")),
    # API
    Case("drills_api:plan-list", API_VIEW),
    Case(
        "drills_api:plan-list",
        "401 201 201 403 201 403 403",
        method="post",
        json=True,
        label="create",
        data=_new_plan("school_a"),
    ),
    Case(
        "drills_api:plan-list",
        "401 201 201 403 403 403 403",
        method="post",
        json=True,
        label="another school",
        data=_new_plan("school_b"),
    ),
    Case("drills_api:plan-board", API_VIEW),
    Case("drills_api:plan-detail", API_VIEW, kwargs=_pk("plan_own"), label="own school"),
    Case("drills_api:plan-detail", API_VIEW_OTHER, kwargs=_pk("plan_other"), label="other school"),
    Case(
        "drills_api:plan-versions",
        "401 201 201 403 201 403 403",
        method="post",
        json=True,
        kwargs=_pk("plan_own"),
        label="own school",
        data=_version(2),
    ),
    Case(
        "drills_api:plan-versions",
        "401 201 201 403 404 403 403",
        method="post",
        json=True,
        kwargs=_pk("plan_other"),
        label="other school",
        data=_version(2),
    ),
    Case("drills_api:activity-list", API_VIEW),
    Case(
        "drills_api:activity-list",
        "401 201 201 201 403 403 403",
        method="post",
        json=True,
        label="create",
        data=_activity("school_a"),
    ),
    Case("drills_api:activity-detail", API_VIEW, kwargs=_pk("activity_own"), label="own school"),
    Case("drills_api:activity-detail", API_VIEW_OTHER, kwargs=_pk("activity_other"), label="other school"),
    Case("drills_api:activity-counts", API_VIEW),
]


def build(world: dict) -> dict:
    from campus.models import Term

    today = timezone.localdate()
    Term.objects.get_or_create(
        school_year="matrix",
        name="Matrix term",
        defaults={"start_date": today - dt.timedelta(days=60), "end_date": today + dt.timedelta(days=60)},
    )
    scenario = DrillTypeFactory(code="plans-matrix", name="Earthquake")
    approved = today - dt.timedelta(days=30)
    plan_own = EmergencyPlanFactory(school=world["school_a"], scenario=scenario)
    plan_other = EmergencyPlanFactory(school=world["school_b"], scenario=scenario)
    for plan in (plan_own, plan_other):
        EmergencyPlanVersionFactory(
            plan=plan,
            approved_on=approved,
            effective_date=approved,
            review_due=approved + dt.timedelta(days=365),
        )
    return {
        "plan_own": plan_own,
        "plan_other": plan_other,
        "plans_scenario_new": DrillTypeFactory(code="plans-matrix-new", name="Fire"),
        "activity_own": ActivityFactory(school=world["school_a"], date=today - dt.timedelta(days=3)),
        "activity_other": ActivityFactory(school=world["school_b"], date=today - dt.timedelta(days=3)),
    }
