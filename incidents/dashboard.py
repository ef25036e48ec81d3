"""The incident reports section of the overview dashboard (see ``common.dashboard``)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext

from campus.scope import scope_of
from common.dashboard import Level, Line, Section, Tile, level_if, page_url
from common.roles import Capability, Role, can, roles_of
from incidents import selectors
from incidents.models import Incident, IncidentStatus, Rectification, Severity
from incidents.report.services import incidents_reported_by_mine

LINES_MAX = 5


def incidents_section(*, user, now: dt.datetime) -> Section | None:
    """Open incident reports and what is waiting on them, at ``now``; None without VIEW_INCIDENTS.

    Handlers and leadership (everyone with the handling inbox) get the inbox's numbers in their inbox
    scope (the bureau everything, a station officer their station's and liaison schools' reports):
    open, awaiting acknowledgement (with how many are urgent), overdue by the acknowledgement or
    resolution deadline, escalated and still not acknowledged; the follow-ups (回访) they may record
    (bureau callers); the open rectification items (a station officer's: their station's). School
    safety staff get their school's open reports, the follow-ups of their own reports, and the report
    form. The lines are the newest open reports in the same scope. Counts are of the current state,
    with deadlines judged at ``now``.
    """
    if not can(user, Capability.VIEW_INCIDENTS):
        return None
    if selectors.may_see_inbox(user):
        return _handler_section(user, now)
    if Role.SCHOOL_STAFF in roles_of(user):
        return _school_section(user, now)
    return None


def _handler_section(user, now: dt.datetime) -> Section:
    inbox_url = reverse("incidents:handle-inbox")
    base = selectors.incidents_inbox(user)
    ack, resolve = selectors.overdue_q(now)
    reported = Q(status=IncidentStatus.REPORTED)
    counts = base.aggregate(
        open=Count("pk", filter=Q(status__in=selectors.OPEN_STATUSES)),
        reported=Count("pk", filter=reported),
        urgent=Count("pk", filter=reported & Q(severity=Severity.URGENT)),
        overdue=Count("pk", filter=ack | resolve),
        ack_overdue=Count("pk", filter=ack),
        # As the inbox header counts them: escalated and still not acknowledged.
        escalated=Count("pk", filter=reported & Q(escalation__gt=Incident.Escalation.NONE)),
    )
    tiles = [
        Tile(
            key="open",
            label=gettext("Open reports"),
            value=counts["open"],
            url=page_url("incidents:handle-inbox", status="open"),
        ),
        Tile(
            key="unacknowledged",
            label=gettext("Awaiting acknowledgement"),
            value=counts["reported"],
            url=page_url("incidents:handle-inbox", status=IncidentStatus.REPORTED),
            level=level_if(counts["reported"], "alert"),
            note=gettext("%(n)d urgent") % {"n": counts["urgent"]} if counts["urgent"] else "",
        ),
        Tile(
            key="overdue",
            label=gettext("Overdue"),
            value=counts["overdue"],
            url=page_url("incidents:handle-inbox", overdue="1"),
            level=level_if(counts["overdue"]),
            note=_not_acknowledged_note(counts["ack_overdue"]),
        ),
        Tile(
            key="escalated",
            label=gettext("Escalated, not acknowledged"),
            value=counts["escalated"],
            url=page_url("incidents:handle-inbox", status=IncidentStatus.REPORTED, escalated="1"),
            level=level_if(counts["escalated"], "alert"),
        ),
    ]
    if can(user, Capability.FOLLOW_UP_INCIDENTS):
        tiles.append(_follow_ups_tile(user, now))
    if selectors.may_see_rectifications(user):
        tiles.append(_rectifications_tile(user, now))
    return Section(
        key="incidents",
        title=gettext("Incident reports"),
        url=inbox_url,
        tiles=tiles,
        lines=_open_lines(base, now, detail="incidents:handle-detail"),
        lines_title=gettext("Newest open reports"),
        lines_empty=gettext("No open reports."),
    )


def _school_section(user, now: dt.datetime) -> Section:
    mine_url = reverse("incidents:report-mine")
    ack, _resolve = selectors.overdue_q(now)
    reported = Q(status=IncidentStatus.REPORTED)
    school_reports = incidents_reported_by_mine(user)
    counts = school_reports.aggregate(
        open=Count("pk", filter=Q(status__in=selectors.OPEN_STATUSES)),
        reported=Count("pk", filter=reported),
        ack_overdue=Count("pk", filter=ack),
    )
    tiles = [
        # "My school's reports" filters by one status only, so the open ones link to the whole list.
        Tile(key="school_open", label=gettext("My school's open reports"), value=counts["open"], url=mine_url),
        Tile(
            key="unacknowledged",
            label=gettext("Awaiting acknowledgement"),
            value=counts["reported"],
            url=page_url("incidents:report-mine", status=IncidentStatus.REPORTED),
            # The school cannot acknowledge; a late one is worth a call to the station's duty desk.
            level=level_if(counts["ack_overdue"]),
            note=_not_acknowledged_note(counts["ack_overdue"]),
        ),
    ]
    if can(user, Capability.FOLLOW_UP_INCIDENTS):
        tiles.append(_follow_ups_tile(user, now))
    if can(user, Capability.REPORT_INCIDENTS):
        tiles.append(
            Tile(key="report_new", label=gettext("Report an incident"), value="+", url=reverse("incidents:report-new"))
        )
    return Section(
        key="incidents",
        title=gettext("Incident reports"),
        url=mine_url,
        tiles=tiles,
        lines=_open_lines(school_reports, now, detail="incidents:report-done"),
        lines_title=gettext("Newest open reports"),
        lines_empty=gettext("No open reports."),
    )


def _follow_ups_tile(user, now: dt.datetime) -> Tile:
    """The follow-ups the user may record (bureau callers all, school staff their own reports')."""
    counts = selectors.follow_ups_pending(user).aggregate(
        pending=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now))
    )
    return Tile(
        key="follow_ups",
        label=gettext("Follow-ups to record"),
        value=counts["pending"],
        url=reverse("incidents:handle-follow-ups"),
        level=level_if(counts["overdue"]),
        note=_overdue_note(counts["overdue"]),
    )


def _rectifications_tile(user, now: dt.datetime) -> Tile:
    """Open rectification items: a station officer's station's (the ones they may clear), else all."""
    url = reverse("incidents:handle-rectifications")
    items = selectors.rectifications_visible(user).filter(status=Rectification.Status.OPEN)
    scope = scope_of(user)
    if not scope.county:
        items = items.filter(station_id__in=sorted(scope.station_ids))
        if len(scope.station_ids) == 1:
            url = page_url("incidents:handle-rectifications", station=min(scope.station_ids))
    # Overdue as the rectification page marks it: still open after its due date.
    counts = items.aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=timezone.localdate(now))))
    return Tile(
        key="rectifications",
        label=gettext("Open rectification items"),
        value=counts["open"],
        url=url,
        level=level_if(counts["overdue"]),
        note=_overdue_note(counts["overdue"]),
    )


def _open_lines(qs: QuerySet[Incident], now: dt.datetime, *, detail: str) -> list[Line]:
    """The newest open reports of ``qs``, each linking to its page (URL name ``detail``)."""
    newest = selectors.incidents_with_flags(qs.filter(status__in=selectors.OPEN_STATUSES), now=now)
    return [
        Line(
            text=gettext("%(reference)s · %(school)s · %(category)s · %(age)s ago")
            % {
                "reference": incident.reference,
                "school": incident.school.name,
                "category": incident.get_category_display(),
                "age": timesince(incident.created_at, now, depth=1),
            },
            url=reverse(detail, kwargs={"pk": incident.pk}),
            at=incident.created_at,
            level=_line_level(incident),
        )
        for incident in newest.order_by("-created_at", "-pk")[:LINES_MAX]
    ]


def _line_level(incident: Incident) -> Level:
    """Late to acknowledge or an urgent one not yet acknowledged: alert; otherwise waiting or late: warn."""
    if incident.ack_overdue or (incident.status == IncidentStatus.REPORTED and incident.severity == Severity.URGENT):
        return "alert"
    if incident.status == IncidentStatus.REPORTED or incident.resolve_overdue:
        return "warn"
    return "ok"


def _not_acknowledged_note(n: int) -> str:
    return gettext("%(n)d not acknowledged in time") % {"n": n} if n else ""


def _overdue_note(n: int) -> str:
    return gettext("%(n)d overdue") % {"n": n} if n else ""
