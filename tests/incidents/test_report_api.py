"""The reporting API: idempotent submit (JSON and multipart), scoped list and detail, filters, photos."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from incidents.models import Incident
from tests.incidents.test_report_support import World, counts, english_fixture, jpeg_bytes, world_fixture  # noqa: F401

URL = "/api/incidents/reports/"


def body(world: World, **overrides) -> dict:
    data = {
        "category": "fight",
        "severity": "high",
        "occurred_at": timezone.now().isoformat(),
        "description": "Two pupils fighting at the north gate.",
        "gate": world.gate.pk,
    }
    data.update(overrides)
    return data


@pytest.fixture
def api(world: World) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(world.staff)
    return client


def test_create_then_retry_returns_the_same_report(api: APIClient, world: World):
    data = body(world)
    first = api.post(URL, data, format="json", HTTP_IDEMPOTENCY_KEY="phone-key-0001")
    assert first.status_code == 201, first.content
    assert first["Idempotent-Replayed"] == "false"
    out = first.json()
    assert out["school"] == world.school.pk  # staff leave the school out: it is theirs
    assert out["liaison_officer"]["name"] == "Li Wei" and out["station"]["duty_phone"] == "0539-1100110"
    assert out["reporter_name"] == "staff1"  # filled in from the account
    assert [e["kind"] for e in out["events"]] == ["reported", "routed"]
    again = api.post(URL, data, format="json", HTTP_IDEMPOTENCY_KEY="phone-key-0001")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["reference"] == out["reference"]
    assert Incident.objects.count() == 1


def test_same_key_different_body_is_409_and_nothing_written(api: APIClient, world: World):
    api.post(URL, body(world), format="json", HTTP_IDEMPOTENCY_KEY="phone-key-0002")
    before = counts()
    response = api.post(URL, body(world, severity="low"), format="json", HTTP_IDEMPOTENCY_KEY="phone-key-0002")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert "used for a different report" in response.json()["detail"]
    assert counts() == before


def test_key_is_required(api: APIClient, world: World):
    response = api.post(URL, body(world), format="json")
    assert response.status_code == 400
    assert "Idempotency-Key" in str(response.json())
    assert Incident.objects.count() == 0


def test_another_school_is_403_and_nothing_written(api: APIClient, world: World):
    before = counts()
    response = api.post(URL, body(world, school=world.other_school.pk, gate=None), format="json",
                        HTTP_IDEMPOTENCY_KEY="phone-key-0003")  # fmt: skip
    assert response.status_code == 403
    assert "only for your own school" in response.json()["detail"]
    assert counts() == before


def test_field_errors_are_named(api: APIClient, world: World):
    response = api.post(URL, body(world, gate=world.other_gate.pk, lat=200, lon=36), format="json",
                        HTTP_IDEMPOTENCY_KEY="phone-key-0004")  # fmt: skip
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "is not a gate of" in errors["gate"][0]
    assert "lat" in errors
    assert Incident.objects.count() == 0


def test_multipart_with_photos(api: APIClient, world: World):
    data = body(world)
    data["photos"] = [
        SimpleUploadedFile("a.jpg", jpeg_bytes(gps=True), content_type="image/jpeg"),
        SimpleUploadedFile("b.jpg", jpeg_bytes(), content_type="image/jpeg"),
    ]
    response = api.post(URL, data, format="multipart", HTTP_IDEMPOTENCY_KEY="phone-key-0005")
    assert response.status_code == 201, response.content
    photos = response.json()["photos"]
    assert len(photos) == 2
    image = api.get(photos[0]["url"])
    assert image.status_code == 200
    assert image["Content-Type"] == "image/jpeg" and image["X-Content-Type-Options"] == "nosniff"
    assert b"Exif" not in image.content


def test_multipart_non_image_is_refused_with_its_name(api: APIClient, world: World):
    data = body(world)
    data["photos"] = [SimpleUploadedFile("cat.jpg", b"<html>not a cat</html>", content_type="image/jpeg")]
    before = counts()
    response = api.post(URL, data, format="multipart", HTTP_IDEMPOTENCY_KEY="phone-key-0006")
    assert response.status_code == 400
    assert "cat.jpg: the file is not an image" in response.json()["detail"]
    assert counts() == before


def test_list_is_scoped_and_filtered(api: APIClient, world: World):
    mine, _ = world.report(category="fight")
    world.report(reporter=world.other_staff, school=world.other_school, idempotency_key="other-key-01")
    listed = api.get(URL).json()["results"]
    assert [r["reference"] for r in listed] == [mine.reference]
    officer = APIClient()
    officer.force_authenticate(world.officer_user)
    assert officer.get(URL).json()["count"] == 2
    assert officer.get(URL, {"school": world.school.pk}).json()["count"] == 1
    assert officer.get(URL, {"category": "fight"}).json()["count"] == 1
    assert officer.get(URL, {"status": "reported,acknowledged"}).json()["count"] == 2
    assert officer.get(URL, {"status": "resolved"}).json()["count"] == 0
    today = timezone.localdate().isoformat()
    assert officer.get(URL, {"from": today, "to": today}).json()["count"] == 2
    assert officer.get(URL, {"from": "2000-01-01", "to": "2000-01-02"}).json()["count"] == 0
    bad = officer.get(URL, {"from": "yesterday"})
    assert bad.status_code == 400 and "from" in bad.json()


def test_detail_of_another_school_is_404_for_staff(api: APIClient, world: World):
    theirs, _ = world.report(reporter=world.other_staff, school=world.other_school, idempotency_key="other-key-02")
    assert api.get(f"{URL}{theirs.pk}/").status_code == 404


def test_script_in_description_is_returned_as_data(api: APIClient, world: World):
    text = "<script>alert('x')</script>"
    response = api.post(URL, body(world, description=text), format="json", HTTP_IDEMPOTENCY_KEY="phone-key-0007")
    assert response.json()["description"] == text
    assert response["Content-Type"].startswith("application/json")
