"""The reporter's page of a report: its handling timeline (status changes, routing, replies, escalations,
follow-up) from the report's own record, and the follow-up (回访) button for the reporter once resolved."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from common.roles import Role
from incidents.handle.services import incident_comment, incident_transition
from incidents.models import FollowUp, IncidentEvent, IncidentStatus
from incidents.report.timeline import report_timeline
from tests.factories import make_user
from tests.incidents.conftest import T0
from tests.incidents.factories import IncidentEventFactory


def _resolved(county):
    """A report of ``county.staff`` taken through every step by its liaison officer, with a reply."""
    incident = county.incident(reporter_name="Teacher Wang")
    IncidentEventFactory(incident=incident, kind=IncidentEvent.Kind.REPORTED, actor_name="Teacher Wang", at=T0)
    IncidentEventFactory(incident=incident, kind=IncidentEvent.Kind.ROUTED, actor_name="system",
                         text="Routed to the liaison officer", at=T0 + dt.timedelta(seconds=1))  # fmt: skip
    officer = county.liaison_user
    for n, status in enumerate((IncidentStatus.ACKNOWLEDGED, IncidentStatus.ON_SCENE, IncidentStatus.RESOLVED)):
        incident = incident_transition(incident=incident, to_status=status, actor=officer,
                                       now=T0 + dt.timedelta(minutes=10 * (n + 1)))  # fmt: skip
        if status == IncidentStatus.ON_SCENE:
            incident_comment(incident=incident, actor=officer, text="The man has left; checking the cameras.",
                             now=T0 + dt.timedelta(minutes=25))  # fmt: skip
    return incident


def test_the_timeline_lists_every_step_in_order_with_the_follow_up_due_last(county):
    incident = _resolved(county)
    steps = report_timeline(incident, follow_up=FollowUp.objects.get(incident=incident))
    kinds = [s.kind for s in steps]
    assert kinds[:2] == ["reported", "routed"] and kinds[-1] == "follow_up_due"
    assert [s.at for s in steps[:-1]] == sorted(s.at for s in steps[:-1])
    assert any(s.title == "Reply" and "cameras" in s.detail for s in steps)
    assert any(s.title == "Status: Resolved" for s in steps)


def test_a_report_without_events_shows_its_time_stamps(county):
    incident = county.incident(status=IncidentStatus.ACKNOWLEDGED, acknowledged_at=T0 + dt.timedelta(minutes=5))
    steps = report_timeline(incident, follow_up=None)
    assert [s.kind for s in steps] == ["reported", "status"] and steps[1].at == T0 + dt.timedelta(minutes=5)


def test_the_reporter_sees_the_timeline_and_the_follow_up_button(client, county):
    incident = _resolved(county)
    client.force_login(county.staff)
    body = client.get(reverse("incidents:report-done", args=[incident.pk])).content.decode()
    assert "How it was handled" in body and "checking the cameras" in body and "Routed to the liaison" in body
    assert 'id="follow-up-button"' in body
    assert reverse("incidents:handle-follow-up", kwargs={"pk": incident.pk}) in body


def test_no_follow_up_button_before_resolution(client, county):
    incident = county.incident()
    client.force_login(county.staff)
    body = client.get(reverse("incidents:report-done", args=[incident.pk])).content.decode()
    assert "How it was handled" in body and 'id="follow-up-button"' not in body


def test_no_follow_up_button_for_a_colleague_who_did_not_report_it(client, county):
    incident = _resolved(county)
    client.force_login(make_user(Role.SCHOOL_STAFF, school=county.school, username="colleague"))
    response = client.get(reverse("incidents:report-done", args=[incident.pk]))
    assert response.status_code == 200 and 'id="follow-up-button"' not in response.content.decode()


def test_no_follow_up_button_once_recorded(client, county):
    incident = _resolved(county)
    FollowUp.objects.filter(incident=incident).update(status=FollowUp.Status.DONE, satisfaction="satisfied",
                                                      done_at=T0 + dt.timedelta(hours=2))  # fmt: skip
    client.force_login(county.staff)
    body = client.get(reverse("incidents:report-done", args=[incident.pk])).content.decode()
    assert 'id="follow-up-button"' not in body and "follow_up_due" not in body


def test_another_schools_report_is_not_found(client, county):
    incident = _resolved(county)
    client.force_login(county.staff_b)
    assert client.get(reverse("incidents:report-done", args=[incident.pk])).status_code == 404
