"""Reads for handling incident reports: who sees what, the inbox, overdue flags, follow-ups, rectifications.

Overdue (flagged on every board): still *reported* past ``INCIDENT_ACK_MINUTES[severity]``, or not yet
resolved past ``INCIDENT_RESOLVE_HOURS[severity]``, both counted from ``created_at``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import BooleanField, Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from campus.scope import scope_of
from common.roles import Capability, can
from incidents.models import FollowUp, Incident, IncidentStatus, Rectification

OPEN_STATUSES = (IncidentStatus.REPORTED, IncidentStatus.ACKNOWLEDGED, IncidentStatus.ON_SCENE)


def is_bureau(user) -> bool:
    """Schedulers, administrators and leadership: the brigade-wide view (the county scope)."""
    return scope_of(user).county


def may_see_inbox(user) -> bool:
    """Police roles that may read reports (handlers and leadership); school staff have their own list."""
    return can(user, Capability.VIEW_INCIDENTS) and scope_of(user).registry_county


def incidents_visible(user) -> QuerySet[Incident]:
    """Reports the user may read: VIEW_INCIDENTS, within the user's scope (``campus.scope``)."""
    qs = Incident.objects.select_related("school", "station", "liaison_officer", "gate", "reporter")
    if not can(user, Capability.VIEW_INCIDENTS):
        return qs.none()
    return scope_of(user).filter(qs, school="school", station="station", officer="liaison_officer")


def incidents_inbox(user) -> QuerySet[Incident]:
    """The handling inbox: the reports the user may read, for the roles that handle or oversee them."""
    return incidents_visible(user) if may_see_inbox(user) else Incident.objects.none()


def may_handle(user, incident: Incident) -> bool:
    """HANDLE_INCIDENTS, over a report within the user's scope."""
    if not can(user, Capability.HANDLE_INCIDENTS):
        return False
    return incidents_visible(user).filter(pk=incident.pk).exists()


def overdue_q(now: dt.datetime) -> tuple[Q, Q]:
    """(not acknowledged in time, not resolved in time) as filters at ``now``."""
    ack = Q(pk__in=[])
    resolve = Q(pk__in=[])
    for severity, minutes in settings.INCIDENT_ACK_MINUTES.items():
        ack |= Q(severity=severity, created_at__lte=now - dt.timedelta(minutes=minutes))
    for severity, hours in settings.INCIDENT_RESOLVE_HOURS.items():
        resolve |= Q(severity=severity, created_at__lte=now - dt.timedelta(hours=hours))
    return Q(status=IncidentStatus.REPORTED) & ack, Q(status__in=OPEN_STATUSES) & resolve


def incidents_with_flags(qs: QuerySet[Incident], *, now: dt.datetime | None = None) -> QuerySet[Incident]:
    """Annotate ``ack_overdue``, ``resolve_overdue`` and ``overdue`` (either) at ``now``."""
    ack, resolve = overdue_q(now or timezone.now())
    return qs.annotate(
        ack_overdue=Case(When(ack, then=Value(True)), default=Value(False), output_field=BooleanField()),
        resolve_overdue=Case(When(resolve, then=Value(True)), default=Value(False), output_field=BooleanField()),
        overdue=Case(When(ack | resolve, then=Value(True)), default=Value(False), output_field=BooleanField()),
    )


def incidents_open_first(qs: QuerySet[Incident]) -> QuerySet[Incident]:
    """Open reports first, then the rest; newest first within each (the inbox order of page and API)."""
    return qs.annotate(
        open_rank=Case(
            When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField()
        )  # fmt: skip
    ).order_by("open_rank", "-created_at")


def liaison_phone(incident: Incident) -> str:
    officer = incident.liaison_officer
    return officer.phone if officer is not None else ""


def ack_deadline(incident: Incident) -> dt.datetime:
    return incident.created_at + dt.timedelta(minutes=settings.INCIDENT_ACK_MINUTES[incident.severity])


def resolve_deadline(incident: Incident) -> dt.datetime:
    return incident.created_at + dt.timedelta(hours=settings.INCIDENT_RESOLVE_HOURS[incident.severity])


def follow_ups_pending(user) -> QuerySet[FollowUp]:
    """Pending follow-ups the user may record: all for the bureau caller, their own reports for staff.

    Overdue ones first (earliest due first).
    """
    qs = FollowUp.objects.filter(status=FollowUp.Status.PENDING).select_related(
        "incident", "incident__school", "incident__station", "incident__liaison_officer"
    )
    if not can(user, Capability.FOLLOW_UP_INCIDENTS):
        return qs.none()
    scope = scope_of(user)
    if scope.county:
        return qs.order_by("due_at")
    return qs.filter(incident__reporter=user, incident__school_id=scope.school_id).order_by("due_at")


def may_see_rectifications(user) -> bool:
    """As the inbox: police roles that may read reports."""
    return may_see_inbox(user)


def rectifications_visible(user) -> QuerySet[Rectification]:
    qs = Rectification.objects.select_related("incident", "incident__school", "station", "cleared_by")
    if not may_see_rectifications(user):
        return qs.none()
    return scope_of(user).filter(qs, school="incident__school", station="station")


def may_clear_rectification(user, rectification: Rectification) -> bool:
    """Schedulers and administrators, or an officer of the responsible station."""
    if not can(user, Capability.HANDLE_INCIDENTS):
        return False
    scope = scope_of(user)
    return scope.county or rectification.station_id in scope.station_ids
