"""What the reporter sees of a report's handling: one line per step, oldest first.

Read from the report's own record (``IncidentEvent``: every status change, routing, reply, escalation,
follow-up and rectification is written there, with who and when, by the services that make them), so
the reporter's page and the handlers' page tell the same story. Reports older than the event log have
only their time stamps; those are shown instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from incidents.models import FollowUp, Incident, IncidentEvent, IncidentStatus


@dataclass(frozen=True)
class Step:
    at: dt.datetime
    kind: str  # an ``IncidentEvent.Kind`` value: the page styles each kind
    title: str
    detail: str = ""
    by: str = ""


def _event_step(event: IncidentEvent) -> Step:
    title = event.get_kind_display()
    if event.kind == IncidentEvent.Kind.STATUS and event.to_status:
        title = _("Status: %(status)s") % {"status": IncidentStatus(event.to_status).label}
    elif event.kind == IncidentEvent.Kind.COMMENT:
        title = _("Reply")
    return Step(at=event.at, kind=event.kind, title=str(title), detail=event.text, by=event.actor_label)


def _stamp_steps(incident: Incident) -> list[Step]:
    """The steps of a report without events, from its time stamps."""
    stamps = [
        (incident.created_at, IncidentEvent.Kind.REPORTED, _("Reported"), incident.reporter_name),
        (incident.acknowledged_at, IncidentEvent.Kind.STATUS, IncidentStatus.ACKNOWLEDGED.label, ""),
        (incident.on_scene_at, IncidentEvent.Kind.STATUS, IncidentStatus.ON_SCENE.label, ""),
        (incident.escalated_at, IncidentEvent.Kind.ESCALATED, _("Escalated"), ""),
        (incident.resolved_at, IncidentEvent.Kind.STATUS, IncidentStatus.RESOLVED.label, ""),
        (incident.closed_at, IncidentEvent.Kind.STATUS, IncidentStatus.CLOSED.label, ""),
    ]
    return [Step(at=at, kind=kind, title=str(title), by=by) for at, kind, title, by in stamps if at is not None]


def report_timeline(incident: Incident, *, follow_up: FollowUp | None) -> list[Step]:
    """The report's handling, oldest first, ending with the follow-up still due if there is one."""
    events = list(incident.events.order_by("at", "id"))
    steps = [_event_step(e) for e in events] if events else _stamp_steps(incident)
    if not any(step.kind == IncidentEvent.Kind.REPORTED for step in steps):
        steps.insert(0, Step(at=incident.created_at, kind=IncidentEvent.Kind.REPORTED, title=str(_("Reported")),
                             by=incident.reporter_name))  # fmt: skip
    if follow_up is not None and follow_up.status == FollowUp.Status.PENDING:
        steps.append(Step(at=follow_up.due_at, kind="follow_up_due", title=str(_("Follow-up (回访) due")), by=""))
    return steps
