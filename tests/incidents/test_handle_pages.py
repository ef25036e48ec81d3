"""Handling pages and API: inbox scope and flags, detail escaping and the 110 prompt, school scoping."""

from __future__ import annotations

from django.urls import reverse

from common.models import AuditLogEntry
from incidents.models import FollowUp, IncidentEvent


def test_officer_inbox_lists_their_station_and_schools_with_flags_and_phone(client, county):
    mine = county.incident(severity="high")  # created long ago (T0): overdue now
    other = county.incident(school=county.school_b, station=county.station_b, liaison_officer=county.other)
    client.force_login(county.desk_user)
    page = client.get(reverse("incidents:handle-inbox")).content.decode()
    assert mine.reference in page and other.reference not in page
    assert "13900000001" in page and "not acknowledged in time" in page
    client.force_login(county.scheduler)
    page = client.get(reverse("incidents:handle-inbox"), {"station": county.station_b.pk}).content.decode()
    assert other.reference in page and mine.reference not in page
    fragment = client.get(reverse("incidents:handle-inbox"), {"fragment": "1"}).content.decode()
    assert "<table" in fragment and "<html" not in fragment


def test_detail_escapes_scripts_in_comments_and_description(client, county):
    incident = county.incident(description="<script>alert('d')</script>")
    client.force_login(county.liaison_user)
    response = client.post(reverse("incidents:handle-comment", kwargs={"pk": incident.pk}),
                           {"text": "<script>alert('c')</script>"})  # fmt: skip
    assert response.status_code == 302
    page = client.get(reverse("incidents:handle-detail", kwargs={"pk": incident.pk})).content.decode()
    assert "<script>alert(" not in page
    assert "&lt;script&gt;alert(&#x27;c&#x27;)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert(&#x27;d&#x27;)&lt;/script&gt;" in page


def test_urgent_report_shows_call_110_and_next_step(client, county):
    incident = county.incident(severity="urgent")
    client.force_login(county.liaison_user)
    page = client.get(reverse("incidents:handle-detail", kwargs={"pk": incident.pk})).content.decode()
    assert 'href="tel:110"' in page and 'value="acknowledged"' in page
    calm = county.incident(severity="low")
    page = client.get(reverse("incidents:handle-detail", kwargs={"pk": calm.pk})).content.decode()
    assert "tel:110" not in page


def test_page_status_jump_shows_the_message_and_writes_nothing(client, county):
    incident = county.incident()
    client.force_login(county.liaison_user)
    url = reverse("incidents:handle-transition", kwargs={"pk": incident.pk})
    response = client.post(url, {"to_status": "resolved"}, follow=True)
    assert "Cannot go from Reported to Resolved; next is Acknowledged." in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == "reported" and not IncidentEvent.objects.exists()


def test_api_status_jump_is_a_400_naming_both_statuses(client, county):
    incident = county.incident()
    audits = AuditLogEntry.objects.count()
    client.force_login(county.liaison_user)
    url = reverse("incidents_api:handle-transition", kwargs={"pk": incident.pk})
    response = client.post(url, {"to_status": "resolved"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "status_skip",
        "detail": "Cannot go from Reported to Resolved; next is Acknowledged.",
    }
    incident.refresh_from_db()
    assert incident.status == "reported" and AuditLogEntry.objects.count() == audits
    ok = client.post(url, {"to_status": "acknowledged"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "acknowledged"
    again = client.post(url, {"to_status": "acknowledged"}, content_type="application/json")
    assert again.status_code == 409 and "already Acknowledged" in again.json()["detail"]


def test_school_staff_cannot_see_or_act_on_another_schools_report(client, county):
    incident = county.incident(status="resolved")
    FollowUp.objects.create(incident=incident, due_at=incident.created_at)
    client.force_login(county.staff_b)
    assert client.get(reverse("incidents:handle-detail", kwargs={"pk": incident.pk})).status_code == 404
    assert client.get(reverse("incidents_api:handle-detail", kwargs={"pk": incident.pk})).status_code == 404
    assert (
        client.post(reverse("incidents:handle-comment", kwargs={"pk": incident.pk}), {"text": "x"}).status_code == 404
    )
    assert client.post(reverse("incidents:handle-follow-up", kwargs={"pk": incident.pk}),
                       {"satisfaction": "satisfied"}).status_code == 404  # fmt: skip
    assert client.post(reverse("incidents:handle-transition", kwargs={"pk": incident.pk}),
                       {"to_status": "closed"}).status_code == 403  # fmt: skip
    assert client.get(reverse("incidents:handle-follow-ups")).content.decode().count(incident.reference) == 0
    assert not IncidentEvent.objects.exists() and FollowUp.objects.get().status == "pending"


def test_reporter_records_the_follow_up_on_their_page(client, county):
    incident = county.incident(status="resolved")
    FollowUp.objects.create(incident=incident, due_at=incident.created_at)
    client.force_login(county.staff)
    assert incident.reference in client.get(reverse("incidents:handle-follow-ups")).content.decode()
    url = reverse("incidents:handle-follow-up", kwargs={"pk": incident.pk})
    response = client.post(url, {"satisfaction": "unsatisfied", "comment": ""}, follow=True)
    assert "say what was unsatisfactory" in response.content.decode()
    response = client.post(url, {"satisfaction": "unsatisfied", "comment": "Nobody came"})
    assert response.status_code == 302
    client.force_login(county.desk_user)
    page = client.get(reverse("incidents:handle-rectifications")).content.decode()
    assert "Nobody came" in page and county.station.name in page


def test_follow_up_page_before_resolution_says_so(client, county):
    incident = county.incident()
    client.force_login(county.scheduler)
    url = reverse("incidents_api:handle-follow-up", kwargs={"pk": incident.pk})
    response = client.post(url, {"satisfaction": "satisfied"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "not_resolved"
    assert "not resolved yet" in response.json()["detail"] and not FollowUp.objects.exists()
