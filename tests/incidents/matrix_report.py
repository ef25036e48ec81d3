"""Permission-matrix rows for reporting (see ``tests.incidents.matrix``): form, confirmation, list, photos, API."""

from __future__ import annotations

import io

from django.utils import timezone
from PIL import Image

from common.roles import Role
from incidents.models import IncidentPhoto
from tests.incidents.factories import IncidentFactory
from tests.permission_case import Case


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


def _form(w) -> dict:
    return {
        "school": w["school_a"].pk,
        "category": "fight",
        "severity": "high",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "description": "Two pupils fighting at the gate.",
        "reporter_name": "Matrix",
        "idempotency_key": "matrix-form-0001",
    }


def _api(school_key: str):
    def body(w) -> dict:
        return {
            "school": w[school_key].pk,
            "category": "suspicious",
            "severity": "medium",
            "occurred_at": timezone.now().isoformat(),
            "description": "A man filming pupils.",
            "idempotency_key": f"matrix-api-{school_key}",
        }

    return body


def _pk(name: str):
    return lambda w: {"pk": w[name].pk}


PAGE_REPORT = "302 200 403 403 200 403 403"  # REPORT_INCIDENTS
PAGE_VIEW = "302 200 200 200 200 403 200"  # VIEW_INCIDENTS
API_VIEW = "401 200 200 200 200 403 200"

CASES: list = [
    Case("incidents:report-new", PAGE_REPORT),
    Case("incidents:report-new", "302 302 403 403 302 403 403", method="post", label="send", data=_form),
    Case("incidents:report-mine", PAGE_REPORT),
    Case("incidents:report-done", PAGE_REPORT, kwargs=_pk("report_own"), label="own school"),
    Case("incidents:report-done", "302 200 403 403 404 403 403", kwargs=_pk("report_other"), label="other school"),
    Case("incidents:report-photo", PAGE_VIEW, kwargs=_pk("report_photo_own"), label="own school"),
    Case("incidents:report-photo", "302 200 200 200 404 403 200", kwargs=_pk("report_photo_other"), label="other"),
    Case("incidents_api:report-list", API_VIEW),
    Case(
        "incidents_api:report-list",
        "401 201 403 403 201 403 403",
        method="post",
        json=True,
        label="create",
        data=_api("school_a"),
    ),
    Case(
        "incidents_api:report-list",
        "401 201 403 403 403 403 403",
        method="post",
        json=True,
        label="create for another school",
        data=_api("school_b"),
    ),
    Case("incidents_api:report-detail", API_VIEW, kwargs=_pk("report_own"), label="own school"),
    Case("incidents_api:report-detail", "401 200 200 200 404 403 200", kwargs=_pk("report_other"), label="other"),
    Case("incidents_api:report-photo", API_VIEW, kwargs=_pk("report_photo_own"), label="own school"),
    Case("incidents_api:report-photo", "401 200 200 200 404 403 200", kwargs=_pk("report_photo_other"), label="other"),
]


def build(world: dict) -> dict:
    staff = world["users"][Role.SCHOOL_STAFF]
    own = IncidentFactory(school=world["school_a"], reporter=staff)
    other = IncidentFactory(school=world["school_b"])
    jpeg = _jpeg()

    def photo(incident):
        return IncidentPhoto.objects.create(incident=incident, image=jpeg, width=8, height=8, size_bytes=len(jpeg))

    return {
        "report_own": own,
        "report_other": other,
        "report_photo_own": photo(own),
        "report_photo_other": photo(other),
    }
