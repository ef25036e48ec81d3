"""Reporting pages: the form (staff fixed to their school, admin picks), confirmation, list, photos."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident
from tests.incidents.test_report_support import World, counts, english_fixture, jpeg_bytes, world_fixture  # noqa: F401

NEW = "/incidents/report/"


def form_data(world: World, **overrides) -> dict:
    data = {
        "category": "intruder",
        "severity": "high",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "description": "A stranger climbed over the fence.",
        "gate": world.gate.pk,
        "location_note": "behind the canteen",
        "reporter_name": "Wang Fang",
        "reporter_phone": "13800000002",
        "idempotency_key": "form-key-0001",
    }
    data.update(overrides)
    return data


@pytest.fixture
def staff_client(client, world: World):
    client.force_login(world.staff)
    return client


def test_form_is_prefilled_and_fixed_to_the_staff_school(staff_client, world: World):
    page = staff_client.get(NEW)
    html = page.content.decode()
    assert page.status_code == 200
    assert world.school.name in html and 'name="school"' not in html
    assert "North gate" in html and "South gate" not in html
    assert 'name="idempotency_key"' in html and 'href="tel:110"' in html
    assert 'value="staff1"' in html  # the reporter's name from the account


def test_submit_redirects_to_confirmation_with_routing(staff_client, world: World):
    response = staff_client.post(NEW, form_data(world, photos=[SimpleUploadedFile("p.jpg", jpeg_bytes())]))
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("incidents:report-done", args=[incident.pk])
    page = staff_client.get(response["Location"]).content.decode()
    assert incident.reference in page and "Li Wei" in page and "13900000001" in page and "0539-1100110" in page
    assert reverse("incidents:report-photo", args=[incident.photos.get().pk]) in page
    assert incident.reporter_name == "Wang Fang"


def test_double_submit_stores_one_report(staff_client, world: World):
    data = form_data(world)  # once: the time field is to the minute, and a minute may turn between calls
    first = staff_client.post(NEW, data)
    second = staff_client.post(NEW, data)
    assert first["Location"] == second["Location"]
    assert Incident.objects.count() == 1


def test_resubmitted_with_other_content_explains_and_offers_a_new_key(staff_client, world: World):
    staff_client.post(NEW, form_data(world))
    before = counts()
    page = staff_client.post(NEW, form_data(world, description="Changed my mind."))
    html = page.content.decode()
    assert page.status_code == 200 and "used for a different report" in html
    assert 'value="form-key-0001"' not in html
    assert counts() == before


def test_urgent_shows_call_110_on_confirmation(staff_client, world: World):
    response = staff_client.post(NEW, form_data(world, severity="urgent"))
    page = staff_client.get(response["Location"]).content.decode()
    assert "call 110 now" in page and 'href="tel:110"' in page
    assert 'id="call110" hidden' not in page


def test_form_for_another_school_is_ignored_for_staff(staff_client, world: World):
    staff_client.post(NEW, form_data(world, school=world.other_school.pk))
    assert Incident.objects.get().school == world.school


def test_admin_picks_a_school(client, world: World):
    client.force_login(world.admin)
    assert 'name="school"' in client.get(NEW).content.decode()
    missing = client.post(NEW, form_data(world, gate=""))
    assert missing.status_code == 200 and Incident.objects.count() == 0
    response = client.post(NEW, form_data(world, school=world.other_school.pk, gate=world.other_gate.pk))
    assert response.status_code == 302
    assert Incident.objects.get().school == world.other_school


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"gate": "OTHER"}, "is not a gate of"),
        ({"lat": "48.85", "lon": "2.35"}, "outside China"),
        ({"occurred_at": "2999-01-01T10:00"}, "in the future"),
        ({"description": " "}, "required"),
    ],
)
def test_bad_input_shows_the_message_and_writes_nothing(staff_client, world: World, overrides, message):
    if overrides.get("gate") == "OTHER":
        overrides["gate"] = world.other_gate.pk
    before = counts()
    page = staff_client.post(NEW, form_data(world, **overrides))
    assert page.status_code == 200 and message in page.content.decode()
    assert counts() == before


def test_non_image_photo_is_refused_on_the_form(staff_client, world: World):
    before = counts()
    fake = SimpleUploadedFile("holiday.jpg", b"GIF89? not really", content_type="image/jpeg")
    page = staff_client.post(NEW, form_data(world, photos=[fake]))
    assert "holiday.jpg: the file is not an image" in page.content.decode()
    assert counts() == before


def test_script_in_text_is_escaped(staff_client, world: World):
    script = "<script>alert('x')</script>"
    response = staff_client.post(NEW, form_data(world, description=script, location_note=script))
    page = staff_client.get(response["Location"]).content.decode()
    assert script not in page and "&lt;script&gt;" in page
    mine = staff_client.get(reverse("incidents:report-mine")).content.decode()
    assert "<script>alert" not in mine


def test_my_school_list_shows_status_and_only_my_school(staff_client, world: World):
    mine, _ = world.report()
    theirs, _ = world.report(reporter=world.other_staff, school=world.other_school, idempotency_key="other-key-1")
    page = staff_client.get(reverse("incidents:report-mine")).content.decode()
    assert mine.reference in page and theirs.reference not in page and "Reported" in page


def test_photo_is_served_as_jpeg_to_those_who_may_see_it(client, world: World):
    from tests.incidents.test_report_support import photo

    incident, _ = world.report(photos=[photo()])
    url = reverse("incidents:report-photo", args=[incident.photos.get().pk])
    client.force_login(world.other_staff)
    assert client.get(url).status_code == 404
    client.force_login(world.officer_user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg" and response["X-Content-Type-Options"] == "nosniff"
