"""The Imports page, the imports API and the import_<kind> commands, with who may use them."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from campus.models import School
from common.models import AuditLogEntry
from common.roles import Role
from imports.models import ImportBatch
from tests.factories import StationFactory, make_user, square
from tests.imports.fixtures import counts, csv_bytes

pytestmark = pytest.mark.django_db

GOOD = csv_bytes("code,name,level,area,lat,lon\nS001,First Primary,primary,rural,36.18,118.17")
BAD = csv_bytes("code,name,level,area,lat,lon\nS001,First Primary,college,rural,36.18,118.17")


@pytest.fixture(autouse=True)
def station(db):
    return StationFactory(code="ST01", jurisdiction=square(36.18, 118.17, 0.2))


@pytest.fixture(autouse=True)
def english_pages(client):
    """These tests read the page text in English (the site default is Chinese)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def upload(content: bytes = GOOD, name: str = "schools.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def csrf_token(response) -> str:
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', response.content)
    assert match, "the page has no CSRF token"
    return match.group(1).decode()


# --- pages ----------------------------------------------------------------------------------------


def test_upload_preview_and_apply_through_the_pages(scheduler):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(scheduler)
    page = client.get(reverse("campus:import_list"))
    assert page.status_code == 200
    assert b'name="crs"' in page.content and b'<option value="" selected>' in page.content
    response = client.post(
        reverse("campus:import_list"),
        {"kind": "schools", "crs": "gcj02", "file": upload(), "csrfmiddlewaretoken": csrf_token(page)},
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("campus:import_detail", args=[batch.pk])
    assert not School.objects.exists()

    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert b"S001" in detail.content and b"Apply" in detail.content
    applied = client.post(reverse("campus:import_apply", args=[batch.pk]), {"csrfmiddlewaretoken": csrf_token(detail)})
    assert applied.status_code == 302
    assert School.objects.get().code == "S001"
    result = client.get(applied["Location"])
    assert b"This file has been applied." in result.content
    history = client.get(reverse("campus:import_list"))
    assert b"schools.csv" in history.content


def test_preview_of_a_bad_file_shows_row_column_and_no_apply_button(scheduler, client):
    client.force_login(scheduler)
    response = client.post(reverse("campus:import_list"), {"kind": "schools", "crs": "wgs84", "file": upload(BAD)})
    detail = client.get(response["Location"])
    assert b"college" in detail.content and b"is not an allowed value" in detail.content
    assert reverse("campus:import_apply", args=[ImportBatch.objects.get().pk]).encode() not in detail.content


def test_apply_without_csrf_token_is_refused_and_writes_nothing(scheduler):
    client = Client(enforce_csrf_checks=True)
    client.force_login(scheduler)
    batch = ImportBatch.objects.create(
        kind="schools", crs="wgs84", filename="s.csv", sha256="0" * 64, size_bytes=len(GOOD), content=GOOD
    )
    response = client.post(reverse("campus:import_apply", args=[batch.pk]))
    assert response.status_code == 403
    assert not School.objects.exists()


def test_upload_without_coordinate_system_is_refused(scheduler, client):
    client.force_login(scheduler)
    response = client.post(reverse("campus:import_list"), {"kind": "schools", "crs": "", "file": upload()})
    assert response.status_code == 200
    assert b"This field is required." in response.content or "必填".encode() in response.content
    assert not ImportBatch.objects.exists()


def test_oversized_upload_is_refused_on_the_page(scheduler, client, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    client.force_login(scheduler)
    response = client.post(
        reverse("campus:import_list"), {"kind": "schools", "crs": "wgs84", "file": upload(GOOD * 40)}
    )
    assert response.status_code == 200
    assert b"are refused" in response.content
    assert not ImportBatch.objects.exists() and not School.objects.exists()


@pytest.mark.parametrize("role", [Role.SCHOOL_STAFF, Role.LEADERSHIP, Role.STATION_OFFICER])
def test_roles_without_import_capability_get_403_on_the_pages(role, client):
    school = School.objects.create(code="X", name="X", level="primary", area="rural", lat=36.18, lon=118.17)
    user = make_user(role, school=school if role == Role.SCHOOL_STAFF else None)
    batch = ImportBatch.objects.create(
        kind="schools", crs="wgs84", filename="s.csv", sha256="0" * 64, size_bytes=len(GOOD), content=GOOD
    )
    client.force_login(user)
    before = counts()
    assert client.get(reverse("campus:import_list")).status_code == 403
    assert (
        client.post(reverse("campus:import_list"), {"kind": "schools", "crs": "wgs84", "file": upload()}).status_code
        == 403
    )
    assert client.get(reverse("campus:import_detail", args=[batch.pk])).status_code == 403
    assert client.post(reverse("campus:import_apply", args=[batch.pk])).status_code == 403
    assert counts() == before and ImportBatch.objects.count() == 1


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(reverse("campus:import_list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


# --- API ------------------------------------------------------------------------------------------


def test_api_upload_is_a_dry_run_then_apply(scheduler):
    api = APIClient()
    api.force_authenticate(scheduler)
    response = api.post(
        reverse("campus_api:import-list"), {"kind": "schools", "crs": "gcj02", "file": upload()}, format="multipart"
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["report"]["counts"]["create"]) == ("previewed", 1)
    assert not School.objects.exists()
    applied = api.post(reverse("campus_api:import-apply", args=[body["id"]]))
    assert applied.status_code == 200 and applied.json()["status"] == "applied"
    assert School.objects.count() == 1
    again = api.post(reverse("campus_api:import-apply", args=[body["id"]]))
    assert again.status_code == 409 and again.json()["code"] == "already_applied"
    listing = api.get(reverse("campus_api:import-list"), {"kind": "schools"})
    assert listing.json()["count"] == 1 and "report" not in listing.json()["results"][0]
    assert api.get(reverse("campus_api:import-detail", args=[body["id"]])).json()["report"]["rows"][0]["key"] == "S001"


def test_api_upload_with_dry_run_false_applies_at_once(scheduler):
    api = APIClient()
    api.force_authenticate(scheduler)
    response = api.post(
        reverse("campus_api:import-list"),
        {"kind": "schools", "crs": "wgs84", "file": upload(), "dry_run": "false"},
        format="multipart",
    )
    assert response.status_code == 201 and response.json()["status"] == "applied"
    assert School.objects.count() == 1 and AuditLogEntry.objects.filter(action="import.apply").count() == 1


def test_api_reports_problems_and_refuses_to_apply(scheduler):
    api = APIClient()
    api.force_authenticate(scheduler)
    response = api.post(
        reverse("campus_api:import-list"),
        {"kind": "schools", "crs": "wgs84", "file": upload(BAD), "dry_run": "false"},
        format="multipart",
    )
    body = response.json()
    assert response.status_code == 201 and body["status"] == "failed"
    assert body["report"]["problems"][0] | {"message": ""} == {
        "row": 2,
        "column": "level",
        "value": "college",
        "message": "",
        "severity": "error",
    }
    refused = api.post(reverse("campus_api:import-apply", args=[body["id"]]))
    assert refused.status_code == 409 and refused.json()["code"] == "has_errors"
    assert not School.objects.exists()


def test_api_requires_the_coordinate_system(scheduler):
    api = APIClient()
    api.force_authenticate(scheduler)
    response = api.post(reverse("campus_api:import-list"), {"kind": "schools", "file": upload()}, format="multipart")
    assert response.status_code == 400 and "crs" in response.json()
    assert not ImportBatch.objects.exists()


def test_api_refuses_oversized_upload(scheduler, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    api = APIClient()
    api.force_authenticate(scheduler)
    response = api.post(
        reverse("campus_api:import-list"),
        {"kind": "schools", "crs": "wgs84", "file": upload(GOOD * 40)},
        format="multipart",
    )
    assert response.status_code == 413 and response.json()["code"] == "file_too_large"
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("role", [Role.SCHOOL_STAFF, Role.LEADERSHIP])
def test_roles_without_import_capability_get_403_from_the_api(role):
    school = School.objects.create(code="X", name="X", level="primary", area="rural", lat=36.18, lon=118.17)
    user = make_user(role, school=school if role == Role.SCHOOL_STAFF else None)
    batch = ImportBatch.objects.create(
        kind="schools", crs="wgs84", filename="s.csv", sha256="0" * 64, size_bytes=len(GOOD), content=GOOD
    )
    api = APIClient()
    api.force_authenticate(user)
    before = counts()
    assert api.get(reverse("campus_api:import-list")).status_code == 403
    assert api.get(reverse("campus_api:import-detail", args=[batch.pk])).status_code == 403
    created = api.post(
        reverse("campus_api:import-list"), {"kind": "schools", "crs": "wgs84", "file": upload()}, format="multipart"
    )
    assert created.status_code == 403
    assert api.post(reverse("campus_api:import-apply", args=[batch.pk])).status_code == 403
    assert counts() == before and ImportBatch.objects.count() == 1


# --- management commands ------------------------------------------------------------------------


def test_command_imports_a_file(tmp_path, capsys):
    path = tmp_path / "schools.csv"
    path.write_bytes(GOOD)
    call_command("import_schools", str(path), crs="gcj02")
    assert School.objects.count() == 1
    assert "1 created" in capsys.readouterr().out
    entry = AuditLogEntry.objects.get(action="import.apply")
    assert entry.actor is None and entry.actor_name == "system"


def test_command_dry_run_writes_nothing(tmp_path, capsys):
    path = tmp_path / "schools.csv"
    path.write_bytes(GOOD)
    before = counts()
    call_command("import_schools", str(path), "--crs", "wgs84", "--dry-run")
    assert counts() == before
    assert "Dry run" in capsys.readouterr().out


def test_command_prints_each_problem_and_fails_writing_nothing(tmp_path, capsys):
    path = tmp_path / "schools.csv"
    path.write_bytes(
        csv_bytes("code,name,level,area,lat,lon\nS001,A,college,rural,36.18,118.17\nS002,B,primary,rural,118.17,36.18")
    )
    before = counts()
    with pytest.raises(CommandError, match="2 errors"):
        call_command("import_schools", str(path), crs="wgs84")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("row 2, column level: ") and "'college'" in lines[0]
    assert lines[1].startswith("row 3, column lat: ") and "look swapped" in lines[1]
    assert counts() == before


def test_command_records_the_named_user(tmp_path, scheduler):
    path = tmp_path / "departments.csv"
    path.write_bytes(csv_bytes("code,name\nD01,治安大队"))
    call_command("import_departments", str(path), crs="wgs84", user=scheduler.username)
    assert ImportBatch.objects.get().uploaded_by == scheduler
    assert AuditLogEntry.objects.get(action="import.apply").actor == scheduler


def test_command_requires_the_coordinate_system(tmp_path):
    path = tmp_path / "schools.csv"
    path.write_bytes(GOOD)
    with pytest.raises(CommandError, match="--crs"):
        call_command("import_schools", str(path))
    assert not ImportBatch.objects.exists()
