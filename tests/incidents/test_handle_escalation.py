"""Escalation at the right times (explicit ``now``), once per step; overdue flags; the command."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from common.models import AuditLogEntry
from incidents.escalation import incidents_escalate
from incidents.handle.services import incident_transition
from incidents.models import Incident, IncidentEvent
from incidents.selectors import incidents_with_flags
from tests.incidents.conftest import T0

pytestmark = pytest.mark.usefixtures("deadlines")


def minutes(n: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=n)


def test_escalates_to_the_head_at_the_limit_then_the_brigade_at_twice_it_once_each(county):
    incident = county.incident(severity="medium")
    assert incidents_escalate(now=minutes(59)) == []
    assert [i.pk for i in incidents_escalate(now=minutes(60))] == [incident.pk]
    incident.refresh_from_db()
    assert incident.escalation == Incident.Escalation.STATION_HEAD and incident.escalated_at == minutes(60)
    assert incidents_escalate(now=minutes(61)) == []
    assert incidents_escalate(now=minutes(119)) == []
    assert len(incidents_escalate(now=minutes(120))) == 1
    assert incidents_escalate(now=minutes(500)) == []
    incident.refresh_from_db()
    assert incident.escalation == Incident.Escalation.BRIGADE
    events = list(IncidentEvent.objects.filter(incident=incident, kind="escalated").values_list("at", "text"))
    assert [at for at, _ in events] == [minutes(60), minutes(120)]
    assert county.head.name in events[0][1] and "brigade" in events[1][1]
    assert AuditLogEntry.objects.filter(action="incident.escalate").count() == 2


def test_urgent_limits_are_shorter(county):
    incident = county.incident(severity="urgent")
    assert [i.pk for i in incidents_escalate(now=minutes(5))] == [incident.pk]


def test_a_late_pass_takes_both_steps_in_order(county):
    incident = county.incident(severity="high")
    incidents_escalate(now=minutes(45))
    incident.refresh_from_db()
    assert incident.escalation == Incident.Escalation.BRIGADE
    assert IncidentEvent.objects.filter(incident=incident, kind="escalated").count() == 2


def test_acknowledged_reports_are_not_escalated(county):
    incident = county.incident(severity="medium")
    incident_transition(incident=incident, to_status="acknowledged", actor=county.liaison_user, now=minutes(30))
    assert incidents_escalate(now=minutes(300)) == []
    incident.refresh_from_db()
    assert incident.escalation == Incident.Escalation.NONE


def test_overdue_flags_on_the_ack_and_resolve_limits(county):
    reported = county.incident(severity="medium")
    acked = county.incident(severity="medium", status="acknowledged", acknowledged_at=minutes(5))
    qs = incidents_with_flags(Incident.objects.order_by("pk"), now=minutes(59))
    assert [i.overdue for i in qs] == [False, False]
    qs = incidents_with_flags(Incident.objects.order_by("pk"), now=minutes(60))
    assert [(i.ack_overdue, i.resolve_overdue) for i in qs] == [(True, False), (False, False)]
    qs = incidents_with_flags(Incident.objects.order_by("pk"), now=minutes(72 * 60))
    assert [(i.pk, i.ack_overdue, i.resolve_overdue, i.overdue) for i in qs] == [
        (reported.pk, True, True, True),
        (acked.pk, False, True, True),
    ]


def test_command_runs_one_pass(county):
    county.incident(severity="urgent", created_at=T0)
    out = StringIO()
    call_command("escalate_incidents", stdout=out)
    assert "1 report(s) escalated" in out.getvalue()
    assert IncidentEvent.objects.filter(kind="escalated").exists()
