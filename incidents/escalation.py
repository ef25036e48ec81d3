"""Escalating reports nobody acknowledged in time.

A report still *reported* ``INCIDENT_ACK_MINUTES[severity]`` after it came in goes to the station head
(their own socket and the station's duty desk); after twice that, to the patrol brigade. Each step happens
once, with a timeline event and an audit entry. ``incidents_escalate`` does one pass; run it from
``manage.py escalate_incidents`` (``--loop``) or from ``escalation_loop`` in the ASGI process, where
``escalation_job`` is the background job the ASGI lifespan runs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Coroutine
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.audit import audit_record
from common.roles import SYSTEM
from incidents.models import Incident, IncidentEvent, IncidentStatus
from incidents.notify import incident_notice_escalated, publish_on_commit

logger = logging.getLogger(__name__)

Escalation = Incident.Escalation


def escalation_due(incident: Incident, now: dt.datetime) -> int:
    """The escalation level ``incident`` should be at, at ``now``."""
    if incident.status != IncidentStatus.REPORTED:
        return Escalation.NONE
    limit = dt.timedelta(minutes=settings.INCIDENT_ACK_MINUTES[incident.severity])
    waited = now - incident.created_at
    if waited >= 2 * limit:
        return Escalation.BRIGADE
    if waited >= limit:
        return Escalation.STATION_HEAD
    return Escalation.NONE


def _candidates(now: dt.datetime) -> list[int]:
    ids: list[int] = []
    for severity, minutes in settings.INCIDENT_ACK_MINUTES.items():
        ids += Incident.objects.filter(
            status=IncidentStatus.REPORTED,
            severity=severity,
            escalation__lt=Escalation.BRIGADE,
            created_at__lte=now - dt.timedelta(minutes=minutes),
        ).values_list("pk", flat=True)
    return sorted(ids)


@transaction.atomic
def incident_escalate(*, incident_id: int, now: dt.datetime) -> Incident | None:
    """Take one report up to the level due at ``now``, one step (and one event) at a time."""
    incident = (
        Incident.objects.select_for_update(of=("self",)).select_related("station", "station__head").get(pk=incident_id)
    )
    target = escalation_due(incident, now)
    if target <= incident.escalation:
        return None
    for level in range(incident.escalation + 1, target + 1):
        before = incident.escalation
        incident.escalation = level
        incident.escalated_at = now
        if level == Escalation.STATION_HEAD:
            head = incident.station.head if incident.station else None
            text = _("Not acknowledged in time: escalated to the station head %(head)s.") % {
                "head": head.name if head else _("(no head set)")
            }
        else:
            text = _("Still not acknowledged: escalated to the patrol brigade.")
        event = IncidentEvent(incident=incident, kind=IncidentEvent.Kind.ESCALATED, actor_name="system", at=now,
                              text=text)  # fmt: skip
        event.full_clean()
        event.save()
        audit_record(actor=SYSTEM, action="incident.escalate", obj=incident, before={"escalation": before},
                     after={"escalation": level})  # fmt: skip
        publish_on_commit(
            incident.pk,
            "escalated",
            extra={"level": level, "level_label": str(Escalation(level).label)},
            school=False,
            head=level == Escalation.STATION_HEAD,
        )
        incident_notice_escalated(incident, level)
    Incident.objects.filter(pk=incident.pk).update(escalation=incident.escalation, escalated_at=now)
    return incident


def incidents_escalate(*, now: dt.datetime | None = None) -> list[Incident]:
    """One pass over every report overdue for acknowledgement; returns those escalated now."""
    now = now or timezone.now()
    escalated = []
    for incident_id in _candidates(now):
        incident = incident_escalate(incident_id=incident_id, now=now)
        if incident is not None:
            escalated.append(incident)
    return escalated


async def escalation_loop(interval_s: float) -> None:
    """Escalate every ``interval_s`` seconds until cancelled (an asyncio task next to the ASGI app).

    A failed pass is logged and retried on the next tick, so one bad row never stops escalation.
    """
    run = database_sync_to_async(incidents_escalate)
    while True:
        try:
            escalated = await run()
            if escalated:
                logger.info("escalated %d incident report(s)", len(escalated))
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("incident escalation pass failed")
        await asyncio.sleep(interval_s)


def escalation_job() -> Coroutine[Any, Any, None] | None:
    """The incidents app's background job (``IncidentsConfig.ready()``), run by the ASGI lifespan.

    Every web process runs it: each escalation step locks its report and re-checks it, so several
    processes may. ``INCIDENT_ESCALATE_INTERVAL_S = 0`` turns it off (``None``).
    """
    interval_s = settings.INCIDENT_ESCALATE_INTERVAL_S
    if interval_s <= 0:
        return None
    return escalation_loop(interval_s)
