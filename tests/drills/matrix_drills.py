"""Permission-matrix rows for the drill pages and API (see ``tests.drills.matrix``)."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from PIL import Image

from campus.models import Term
from drills.models import Attachment, CorrectiveAction, Drill, DrillRule, DrillType
from tests.permission_case import Case

VIEW = "302 200 200 200 200 403 200"  # VIEW_DRILLS
VIEW_OTHER = "302 200 200 200 404 403 200"
RECORD = "302 200 200 403 200 403 403"  # RECORD_DRILLS
RECORD_OTHER = "302 200 200 403 404 403 403"
MANAGE = "302 200 403 403 403 403 403"  # MANAGE_DRILL_RULES
MANAGE_SAVE = "302 302 403 403 403 403 403"
API_VIEW = "401 200 200 200 200 403 200"
API_VIEW_OTHER = "401 200 200 200 404 403 200"


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 120, 30)).save(out, format="JPEG")
    return out.getvalue()


def _pk(name: str):
    return lambda w: {"pk": w[name].pk}


def _record_form(w) -> dict:
    return {
        "drill_type": w["drill_type_plain"].pk,
        "date": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        "actions-TOTAL_FORMS": "0",
        "actions-INITIAL_FORMS": "0",
    }


def _api_record(school: str):
    def body(w) -> dict:
        return {
            "school": w[school].pk,
            "drill_type": w["drill_type_plain"].pk,
            "date": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        }

    return body


CASES: list = [
    Case("drills:drill-board", VIEW),
    Case("drills:drill-school", VIEW, kwargs=_pk("school_a"), label="own school"),
    Case("drills:drill-school", VIEW_OTHER, kwargs=_pk("school_b"), label="other school"),
    Case("drills:drill-plan", RECORD, kwargs=_pk("school_a"), label="own school"),
    Case("drills:drill-plan", RECORD_OTHER, kwargs=_pk("school_b"), label="other school"),
    Case("drills:drill-new", RECORD, kwargs=_pk("school_a"), label="own school"),
    Case("drills:drill-new", RECORD_OTHER, kwargs=_pk("school_b"), label="other school"),
    Case(
        "drills:drill-new",
        "302 302 302 403 302 403 403",
        method="post",
        kwargs=_pk("school_a"),
        label="record own",
        data=_record_form,
    ),
    Case(
        "drills:drill-new",
        "302 302 302 403 404 403 403",
        method="post",
        kwargs=_pk("school_b"),
        label="record other",
        data=_record_form,
    ),
    Case("drills:drill-detail", VIEW, kwargs=_pk("drill_a"), label="own school"),
    Case("drills:drill-detail", VIEW_OTHER, kwargs=_pk("drill_b"), label="other school"),
    Case("drills:drill-record", RECORD, kwargs=_pk("drill_a"), label="own school"),
    Case("drills:drill-record", RECORD_OTHER, kwargs=_pk("drill_b"), label="other school"),
    Case(
        "drills:drill-action-done",
        "302 302 302 403 302 403 403",
        method="post",
        kwargs=_pk("action_a"),
        label="own school",
        data=lambda w: {"note": "fixed"},
    ),
    Case(
        "drills:drill-action-done",
        "302 302 302 403 404 403 403",
        method="post",
        kwargs=_pk("action_b"),
        label="other school",
        data=lambda w: {"note": "fixed"},
    ),
    Case("drills:drill-attachment", VIEW, kwargs=_pk("attachment_a"), label="own school"),
    Case("drills:drill-attachment", VIEW_OTHER, kwargs=_pk("attachment_b"), label="other school"),
    Case("drills:drill-reminders", VIEW),
    Case("drills:drill-rules", VIEW),
    Case("drills:drill-type-new", MANAGE),
    Case(
        "drills:drill-type-new",
        MANAGE_SAVE,
        method="post",
        label="save",
        data=lambda w: {"code": "flood", "name": "Flood", "active": "on"},
    ),
    Case("drills:drill-type-edit", MANAGE, kwargs=_pk("drill_type_plain")),
    Case("drills:drill-rule-new", MANAGE),
    Case("drills:drill-rule-edit", MANAGE, kwargs=_pk("rule")),
    Case("drills:drill-report", VIEW),
    # API
    Case("drills_api:drill-type-list", API_VIEW),
    Case(
        "drills_api:drill-type-list",
        "401 201 403 403 403 403 403",
        method="post",
        json=True,
        label="create",
        data=lambda w: {"code": "flood", "name": "Flood"},
    ),
    Case("drills_api:drill-type-detail", API_VIEW, kwargs=_pk("drill_type_plain")),
    Case("drills_api:drill-rule-list", API_VIEW),
    Case(
        "drills_api:drill-rule-list",
        "401 201 403 403 403 403 403",
        method="post",
        json=True,
        label="create",
        data=lambda w: {"drill_type": w["drill_type_plain"].pk, "period": "year", "count": 1, "levels": ["senior"]},
    ),
    Case("drills_api:drill-rule-detail", API_VIEW, kwargs=_pk("rule")),
    Case(
        "drills_api:drill-rule-detail",
        "401 200 403 403 403 403 403",
        method="patch",
        json=True,
        label="update",
        kwargs=_pk("rule"),
        data=lambda w: {"source": "edited"},
    ),
    Case("drills_api:drill-list", API_VIEW),
    Case(
        "drills_api:drill-list",
        "401 201 201 403 201 403 403",
        method="post",
        json=True,
        label="record own",
        data=_api_record("school_a"),
    ),
    Case(
        "drills_api:drill-list",
        "401 201 201 403 404 403 403",
        method="post",
        json=True,
        label="record other",
        data=_api_record("school_b"),
    ),
    Case("drills_api:drill-detail", API_VIEW, kwargs=_pk("drill_a"), label="own school"),
    Case("drills_api:drill-detail", API_VIEW_OTHER, kwargs=_pk("drill_b"), label="other school"),
    Case(
        "drills_api:drill-record",
        "401 200 200 403 200 403 403",
        method="post",
        json=True,
        kwargs=_pk("drill_a"),
        label="own school",
        data=lambda w: {"date": (timezone.localdate() - dt.timedelta(days=1)).isoformat()},
    ),
    Case(
        "drills_api:drill-record",
        "401 200 200 403 404 403 403",
        method="post",
        json=True,
        kwargs=_pk("drill_b"),
        label="other school",
        data=lambda w: {"date": (timezone.localdate() - dt.timedelta(days=1)).isoformat()},
    ),
    Case("drills_api:drill-compliance", API_VIEW),
    Case("drills_api:drill-proposals", "401 400 400 403 400 403 403", label="no school"),
]


def build(world: dict) -> dict:
    today = timezone.localdate()
    term, _created = Term.objects.get_or_create(
        school_year="matrix",
        name="Matrix term",
        defaults={"start_date": today - dt.timedelta(days=60), "end_date": today + dt.timedelta(days=60)},
    )
    plain = DrillType.objects.create(code="matrix_plain", name="Matrix drill")
    rule = DrillRule.objects.create(drill_type=plain, period="term", count=1, source="matrix")
    drill_a = Drill.objects.create(school=world["school_a"], drill_type=plain, planned_date=today)
    drill_b = Drill.objects.create(school=world["school_b"], drill_type=plain, planned_date=today)
    jpeg = _jpeg()

    def attach(drill):
        return Attachment.objects.create(
            drill=drill, kind="photo", name="p.jpg", content_type="image/jpeg", size_bytes=len(jpeg), content=jpeg
        )

    def action(drill):
        return CorrectiveAction.objects.create(drill=drill, description="Fix", owner="X", due_date=today)

    return {
        "term": term,
        "drill_type_plain": plain,
        "rule": rule,
        "drill_a": drill_a,
        "drill_b": drill_b,
        "attachment_a": attach(drill_a),
        "attachment_b": attach(drill_b),
        "action_a": action(drill_a),
        "action_b": action(drill_b),
    }
