"""The status workflow: one step at a time, stamped, on the timeline, audited, scoped; comments."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from common.errors import Conflict, DomainError, NotAllowed
from common.models import AuditLogEntry
from incidents.handle.services import incident_comment, incident_transition
from incidents.models import FollowUp, Incident, IncidentEvent
from tests.incidents.conftest import T0, build_incident_county


def test_acknowledge_stamps_time_writes_event_and_audit(county):
    incident = county.incident()
    at = T0 + dt.timedelta(minutes=3)
    incident_transition(incident=incident, to_status="acknowledged", actor=county.liaison_user, note="seen", now=at)
    incident.refresh_from_db()
    assert incident.status == "acknowledged" and incident.acknowledged_at == at
    event = IncidentEvent.objects.get(incident=incident)
    assert (event.kind, event.from_status, event.to_status, event.actor, event.text) == (
        "status",
        "reported",
        "acknowledged",
        county.liaison_user,
        "seen",
    )
    assert AuditLogEntry.objects.filter(action="incident.status", object_id=str(incident.pk)).count() == 1


def test_a_status_jump_is_refused_and_nothing_is_written(county):
    incident = county.incident()
    audits = AuditLogEntry.objects.count()
    with pytest.raises(DomainError, match="Cannot go from Reported to Resolved; next is Acknowledged"):
        incident_transition(incident=incident, to_status="resolved", actor=county.liaison_user)
    incident.refresh_from_db()
    assert incident.status == "reported" and incident.resolved_at is None
    assert not IncidentEvent.objects.exists() and not FollowUp.objects.exists()
    assert AuditLogEntry.objects.count() == audits


def test_going_backwards_is_refused(county):
    incident = county.incident(status="on_scene", acknowledged_at=T0, on_scene_at=T0)
    with pytest.raises(DomainError, match="Cannot go from On scene to Acknowledged; next is Resolved"):
        incident_transition(incident=incident, to_status="acknowledged", actor=county.admin)


def test_walks_the_whole_workflow_resolving_opens_the_follow_up(county, settings):
    settings.INCIDENT_FOLLOW_UP_HOURS = 48
    incident = county.incident()
    for minutes, status in ((1, "acknowledged"), (10, "on_scene"), (40, "resolved")):
        incident_transition(
            incident=incident, to_status=status, actor=county.desk_user, now=T0 + dt.timedelta(minutes=minutes)
        )
    follow_up = FollowUp.objects.get(incident=incident)
    assert follow_up.status == "pending" and follow_up.due_at == T0 + dt.timedelta(minutes=40, hours=48)
    with pytest.raises(DomainError, match="cannot be closed before the follow-up"):
        incident_transition(incident=incident, to_status="closed", actor=county.desk_user)
    assert Incident.objects.get(pk=incident.pk).status == "resolved"
    FollowUp.objects.filter(pk=follow_up.pk).update(status="done", satisfaction="satisfied")
    incident_transition(incident=incident, to_status="closed", actor=county.desk_user, now=T0 + dt.timedelta(days=1))
    assert Incident.objects.get(pk=incident.pk).closed_at == T0 + dt.timedelta(days=1)
    with pytest.raises(DomainError, match="is closed"):
        incident_transition(incident=incident, to_status="resolved", actor=county.admin)


def test_second_officer_acknowledging_from_a_stale_page_gets_a_clear_error(county):
    seen_by_first = county.incident()
    seen_by_second = Incident.objects.get(pk=seen_by_first.pk)  # both pages loaded while it was "reported"
    incident_transition(incident=seen_by_first, to_status="acknowledged", actor=county.liaison_user)
    with pytest.raises(Conflict, match="already Acknowledged"):
        incident_transition(incident=seen_by_second, to_status="acknowledged", actor=county.desk_user)
    assert IncidentEvent.objects.filter(kind="status").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_officers_acknowledging_at_once_make_one_change():
    if connection.vendor == "sqlite":
        pytest.skip("row locks need PostgreSQL; the stale-page test covers the check on SQLite")
    county = build_incident_county()
    incident = county.incident()
    barrier = threading.Barrier(2)
    results: list = []

    def ack(user):
        from django.db import connection as conn
        from django.utils import translation

        barrier.wait()
        try:
            with translation.override("en"):  # the autouse English override does not reach this thread
                incident_transition(incident=Incident.objects.get(pk=incident.pk), to_status="acknowledged", actor=user)
            results.append("ok")
        except Conflict as exc:
            results.append(exc.message)
        finally:
            conn.close()

    threads = [threading.Thread(target=ack, args=(u,)) for u in (county.liaison_user, county.desk_user)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results)[1] == "ok" and "already Acknowledged" in sorted(results)[0]
    assert IncidentEvent.objects.filter(incident=incident, kind="status").count() == 1


def test_officer_of_another_station_may_not_handle(county):
    incident = county.incident()
    with pytest.raises(NotAllowed, match="belongs to another station"):
        incident_transition(incident=incident, to_status="acknowledged", actor=county.other_user)
    assert not IncidentEvent.objects.exists()


def test_liaison_from_another_station_may_handle_their_school(county):
    incident = county.incident(station=county.station_b)  # routed to station B, but the school is theirs
    incident_transition(incident=incident, to_status="acknowledged", actor=county.liaison_user)


def test_leadership_and_staff_may_not_change_status(county):
    incident = county.incident()
    for user in (county.leader, county.staff):
        with pytest.raises(NotAllowed):
            incident_transition(incident=incident, to_status="acknowledged", actor=user)


def test_comments_by_handlers_and_own_school_staff_only(county):
    incident = county.incident()
    incident_comment(incident=incident, actor=county.liaison_user, text="On my way")
    incident_comment(incident=incident, actor=county.staff, text="He left by the north gate")
    for user in (county.staff_b, county.leader, county.other_user):
        with pytest.raises(NotAllowed):
            incident_comment(incident=incident, actor=user, text="x")
    with pytest.raises(DomainError, match="comment: write something"):
        incident_comment(incident=incident, actor=county.admin, text="   ")
    assert list(IncidentEvent.objects.values_list("text", flat=True)) == ["On my way", "He left by the north gate"]
