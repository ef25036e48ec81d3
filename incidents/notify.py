"""Telling people about incidents as they happen, over the channel layer.

Groups: ``incidents.user.<id>`` (one person: the liaison officer, the station head), ``incidents.station.<id>``
(the station's duty desk: its active officers), ``incidents.brigade`` (schedulers, administrators, leadership)
and ``incidents.school.<id>`` (the school's safety staff, for changes to their reports). A socket may sit in
several groups; every event carries an ``event_id`` and ``IncidentConsumer`` forwards each id once.

Publish only after commit (``publish_on_commit``), so nobody hears of rolled-back state.
"""

from __future__ import annotations

import logging
import uuid

from django.urls import reverse
from django.utils.translation import gettext_noop

from common.publish import channel_publish, run_after_commit

logger = logging.getLogger(__name__)

BRIGADE_GROUP = "incidents.brigade"
EVENT_TYPE = "incident.event"  # handled by IncidentConsumer.incident_event


def user_group(user_id: int) -> str:
    return f"incidents.user.{user_id}"


def station_group(station_id: int) -> str:
    return f"incidents.station.{station_id}"


def school_group(school_id: int) -> str:
    return f"incidents.school.{school_id}"


def incident_point(incident) -> tuple[float, float] | None:
    """Where to put the report on a map (WGS-84): its own point, else its gate, else the school."""
    if incident.lat is not None and incident.lon is not None:
        return incident.lat, incident.lon
    if incident.gate is not None:
        return incident.gate.lat, incident.gate.lon
    if incident.school is not None:
        return incident.school.lat, incident.school.lon
    return None


def incident_summary(incident) -> dict:
    """The compact JSON a socket gets: enough to show a banner and call the liaison officer."""
    point = incident_point(incident)
    officer = incident.liaison_officer
    return {
        "id": incident.pk,
        "reference": incident.reference,
        "school": {"id": incident.school_id, "name": incident.school.name},
        "station": {"id": incident.station_id, "name": incident.station.name} if incident.station else None,
        "category": incident.category,
        "category_label": str(incident.get_category_display()),
        "severity": incident.severity,
        "severity_label": str(incident.get_severity_display()),
        "status": incident.status,
        "status_label": str(incident.get_status_display()),
        "escalation": incident.escalation,
        "occurred_at": incident.occurred_at.isoformat(),
        "created_at": incident.created_at.isoformat(),
        "point": {"lat": point[0], "lon": point[1]} if point else None,
        "location_note": incident.location_note,
        "liaison": {"name": officer.name, "phone": officer.phone} if officer else None,
        "url": reverse("incidents:handle-detail", kwargs={"pk": incident.pk}),
    }


def _load(incident_id: int):
    from incidents.models import Incident

    return (
        Incident.objects.select_related("school", "station", "station__head", "liaison_officer", "gate")
        .filter(pk=incident_id)
        .first()
    )


def groups_for(incident, *, school: bool = True, head: bool = False) -> list[str]:
    """The groups that hear about ``incident``: liaison user, station desk, brigade, and optionally more."""
    groups = [BRIGADE_GROUP]
    officer = incident.liaison_officer
    if officer is not None and officer.user_id is not None:
        groups.append(user_group(officer.user_id))
    if incident.station_id is not None:
        groups.append(station_group(incident.station_id))
        station_head = incident.station.head
        if head and station_head is not None and station_head.user_id is not None:
            groups.append(user_group(station_head.user_id))
    if school:
        groups.append(school_group(incident.school_id))
    return list(dict.fromkeys(groups))


def publish(incident_id: int, kind: str, *, extra: dict | None = None, school: bool = True, head: bool = False) -> None:
    """Send one event about the incident to its groups now (call after commit); never raises."""
    incident = _load(incident_id)
    if incident is None:
        return
    payload = {"type": kind, "event_id": uuid.uuid4().hex, "incident": incident_summary(incident), **(extra or {})}
    channel_publish(groups_for(incident, school=school, head=head), {"type": EVENT_TYPE, "payload": payload})


def publish_on_commit(incident_id: int, kind: str, **kwargs) -> None:
    """``publish`` once the transaction commits: the event is built from the committed incident."""
    run_after_commit(lambda: publish(incident_id, kind, **kwargs), what=f"incident {incident_id} {kind}")


def incident_notify_new(incident_id: int) -> None:
    """Push a new report to its liaison officer, the station's duty desk and the brigade (after commit).

    School staff hear only of later changes; the reporter already knows.
    """
    publish(incident_id, "new", school=False)
    incident_notice_routed(incident_id)


def incident_notice_routed(incident_id: int) -> None:
    """Put a new report in its liaison officer's notices (the bell; e-mail / SMS as they chose)."""
    from notices.services import notice_send

    incident = _load(incident_id)
    officer = incident.liaison_officer if incident is not None else None
    if officer is None or officer.user is None:
        return
    notice_send(
        users=[officer.user],
        kind="incident_routed",
        title=gettext_noop("Incident %(reference)s at %(school)s was routed to you"),
        body=gettext_noop("Open the report to acknowledge it."),
        params={"reference": incident.reference, "school": incident.school.name},
        url=reverse("incidents:handle-detail", kwargs={"pk": incident.pk}),
        urgent=incident.severity in ("high", "urgent"),
        dedupe_key=f"incident-{incident.pk}-routed-{officer.pk}",
    )


def incident_notice_escalated(incident, level: int) -> None:
    """Tell whoever an escalation reached (the station head; at the brigade level its schedulers); urgent."""
    from django.contrib.auth import get_user_model

    from common.roles import Role
    from notices.services import notice_send

    head = incident.station.head if incident.station else None
    if level == 1:
        users = [head.user] if head is not None and head.user is not None else []
    else:
        users = get_user_model().objects.filter(groups__name=Role.BRIGADE_SCHEDULER, is_active=True)
    notice_send(
        users=users,
        kind="incident_escalated",
        title=gettext_noop("Incident %(reference)s at %(school)s not acknowledged in time: escalated to you"),
        params={"reference": incident.reference, "school": incident.school.name},
        url=reverse("incidents:handle-detail", kwargs={"pk": incident.pk}),
        urgent=True,
        dedupe_key=f"incident-{incident.pk}-escalation-{level}",
    )
