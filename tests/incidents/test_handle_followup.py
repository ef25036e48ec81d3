"""Follow-up (回访) after resolution, and rectification items for unsatisfied answers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from common.errors import Conflict, DomainError, NotAllowed
from common.models import AuditLogEntry
from incidents.followup import follow_up_record, rectification_clear
from incidents.handle.services import incident_transition
from incidents.models import FollowUp, IncidentEvent, Rectification
from tests.incidents.conftest import T0


def resolved(county, **kwargs):
    incident = county.incident(**kwargs)
    for minutes, status in ((1, "acknowledged"), (5, "on_scene"), (30, "resolved")):
        incident_transition(
            incident=incident, to_status=status, actor=county.admin, now=T0 + dt.timedelta(minutes=minutes)
        )
    return incident


def test_follow_up_before_resolution_is_refused_and_nothing_written(county):
    incident = county.incident(status="on_scene", acknowledged_at=T0, on_scene_at=T0)
    audits = AuditLogEntry.objects.count()
    with pytest.raises(DomainError, match="is not resolved yet") as info:
        follow_up_record(incident=incident, actor=county.staff, satisfaction="satisfied")
    assert info.value.code == "not_resolved"
    assert not FollowUp.objects.exists() and not IncidentEvent.objects.exists()
    assert AuditLogEntry.objects.count() == audits


def test_reporter_records_satisfaction_once(county):
    incident = resolved(county)
    follow_up = follow_up_record(incident=incident, actor=county.staff, satisfaction="satisfied", comment="quick")
    assert (follow_up.status, follow_up.satisfaction, follow_up.channel) == ("done", "satisfied", "reporter")
    assert follow_up.recorded_by == county.staff
    with pytest.raises(Conflict, match="already recorded"):
        follow_up_record(incident=incident, actor=county.scheduler, satisfaction="unsatisfied", comment="late")
    assert FollowUp.objects.get().satisfaction == "satisfied" and not Rectification.objects.exists()
    incident_transition(incident=incident, to_status="closed", actor=county.liaison_user)


def test_unsatisfied_opens_a_rectification_for_the_station(county, settings):
    settings.INCIDENT_RECTIFY_DAYS = 7
    incident = resolved(county)
    now = T0 + dt.timedelta(days=1)
    follow_up_record(
        incident=incident, actor=county.scheduler, satisfaction="unsatisfied", comment="Came late", now=now
    )
    item = Rectification.objects.get()
    assert item.station == county.station and item.status == "open" and item.problem == "Came late"
    assert item.due_date == timezone.localdate(now) + dt.timedelta(days=7)
    assert FollowUp.objects.get().channel == "call"
    assert IncidentEvent.objects.filter(kind="rectification").count() == 1


def test_unsatisfied_needs_a_comment_and_a_bad_choice_is_named(county):
    incident = resolved(county)
    with pytest.raises(DomainError, match="comment: say what was unsatisfactory"):
        follow_up_record(incident=incident, actor=county.scheduler, satisfaction="unsatisfied")
    with pytest.raises(DomainError, match="satisfaction: choose one of"):
        follow_up_record(incident=incident, actor=county.scheduler, satisfaction="meh")
    assert FollowUp.objects.get().status == "pending" and not Rectification.objects.exists()


def test_only_the_reporter_or_a_bureau_caller_records_it(county):
    incident = resolved(county)
    for user in (county.staff_b, county.liaison_user, county.leader):
        with pytest.raises(NotAllowed):
            follow_up_record(incident=incident, actor=user, satisfaction="satisfied")
    assert FollowUp.objects.get().status == "pending"


def test_rectification_cleared_by_the_station_with_the_action_taken(county):
    incident = resolved(county)
    follow_up_record(incident=incident, actor=county.scheduler, satisfaction="unsatisfied", comment="Rude")
    item = Rectification.objects.get()
    with pytest.raises(NotAllowed):
        rectification_clear(rectification=item, actor=county.other_user, action_taken="x")
    with pytest.raises(DomainError, match="action taken: say what was done"):
        rectification_clear(rectification=item, actor=county.desk_user, action_taken=" ")
    assert Rectification.objects.get().status == "open"
    rectification_clear(rectification=item, actor=county.desk_user, action_taken="Talked to the officer")
    item.refresh_from_db()
    assert item.status == "cleared" and item.cleared_by == county.desk_user
    with pytest.raises(Conflict, match="already cleared"):
        rectification_clear(rectification=item, actor=county.scheduler, action_taken="again")
