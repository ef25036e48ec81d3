"""Handling a report: the status workflow and comments. Each service is atomic, audited and published.

Workflow: reported -> acknowledged -> on scene -> resolved -> closed, one step at a time. Resolving opens
the follow-up (回访); closing needs the follow-up recorded.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campus.scope import scope_of
from common.audit import audit_record
from common.errors import Conflict, DomainError, NotAllowed
from common.roles import Capability, SystemActor, can
from incidents.followup import follow_up_open
from incidents.models import FollowUp, Incident, IncidentEvent, IncidentStatus
from incidents.notify import publish_on_commit
from incidents.selectors import may_handle

ORDER = list(IncidentStatus.values)
STAMP = {
    IncidentStatus.ACKNOWLEDGED: "acknowledged_at",
    IncidentStatus.ON_SCENE: "on_scene_at",
    IncidentStatus.RESOLVED: "resolved_at",
    IncidentStatus.CLOSED: "closed_at",
}


class TransitionInvalid(DomainError):
    code = "status_invalid"


def actor_name(actor) -> str:
    if actor is None or isinstance(actor, SystemActor):
        return "system"
    return (actor.get_full_name() or actor.get_username())[:150]


def actor_user(actor):
    return None if actor is None or isinstance(actor, SystemActor) else actor


def next_status(status: str) -> str | None:
    index = ORDER.index(status)
    return ORDER[index + 1] if index + 1 < len(ORDER) else None


def label(status: str) -> str:
    return str(IncidentStatus(status).label)


def event_add(*, incident: Incident, kind: str, actor, at: dt.datetime, text: str = "", **fields) -> IncidentEvent:
    event = IncidentEvent(
        incident=incident, kind=kind, actor=actor_user(actor), actor_name=actor_name(actor), at=at, text=text, **fields
    )
    event.full_clean()
    event.save()
    return event


def check_incident_transition(*, incident: Incident, to_status: str, actor) -> None:
    """Raise unless ``actor`` may move ``incident`` (as it is in the database now) to ``to_status``."""
    if not can(actor, Capability.HANDLE_INCIDENTS):
        raise NotAllowed(_("You may not handle incident reports."))
    if not may_handle(actor, incident):
        raise NotAllowed(
            _("Report %(ref)s belongs to another station; only its station and liaison officer handle it.")
            % {"ref": incident.reference}
        )
    if to_status not in IncidentStatus.values:
        raise TransitionInvalid(_("Unknown status %(status)r.") % {"status": to_status}, code="status_unknown")
    if to_status == incident.status:
        raise Conflict(
            _("Report %(ref)s is already %(status)s.") % {"ref": incident.reference, "status": label(to_status)},
            code="status_already",
        )
    expected = next_status(incident.status)
    if to_status != expected:
        if expected is None:
            message = _("Report %(ref)s is closed; its status cannot change.") % {"ref": incident.reference}
        else:
            message = _("Cannot go from %(from)s to %(to)s; next is %(next)s.") % {
                "from": label(incident.status),
                "to": label(to_status),
                "next": label(expected),
            }
        raise TransitionInvalid(message, code="status_skip")
    if to_status == IncidentStatus.CLOSED:
        follow_up = FollowUp.objects.filter(incident=incident).first()
        if follow_up is None or follow_up.status != FollowUp.Status.DONE:
            raise TransitionInvalid(
                _("Report %(ref)s cannot be closed before the follow-up (回访) is recorded.")
                % {"ref": incident.reference},
                code="follow_up_missing",
            )


@transaction.atomic
def incident_transition(
    *, incident: Incident, to_status: str, actor, note: str = "", now: dt.datetime | None = None
) -> Incident:
    """Move the report one step forward; stamp the time, write the timeline, audit, publish after commit.

    The row is locked first, so of two officers acknowledging at once one changes it and the other is
    told it is already acknowledged (a ``Conflict``), whatever state their page showed.
    """
    now = now or timezone.now()
    locked = Incident.objects.select_for_update(of=("self",)).select_related("station").get(pk=incident.pk)
    check_incident_transition(incident=locked, to_status=to_status, actor=actor)
    from_status = locked.status
    locked.status = to_status
    setattr(locked, STAMP[IncidentStatus(to_status)], now)
    locked.full_clean()
    # Guarded update: even where the database ignores row locks, only one writer can move this step.
    changed = Incident.objects.filter(pk=locked.pk, status=from_status).update(
        status=to_status, **{STAMP[IncidentStatus(to_status)]: now}
    )
    if changed != 1:
        raise Conflict(_("Report %(ref)s was changed by someone else; reload it.") % {"ref": locked.reference})
    event_add(
        incident=locked,
        kind=IncidentEvent.Kind.STATUS,
        actor=actor,
        at=now,
        text=note.strip(),
        from_status=from_status,
        to_status=to_status,
    )
    if to_status == IncidentStatus.RESOLVED:
        follow_up_open(incident=locked, now=now)
    audit_record(
        actor=actor,
        action="incident.status",
        obj=locked,
        before={"status": from_status},
        after={"status": to_status, STAMP[IncidentStatus(to_status)]: now},
        reason=note.strip(),
    )
    publish_on_commit(locked.pk, "status", extra={"from_status": from_status, "to_status": to_status})
    if incident is not locked:
        incident.refresh_from_db()
    return locked


def check_incident_comment(*, incident: Incident, actor, text: str) -> str:
    """Handlers of the report and the staff of its school may comment; leadership reads only."""
    allowed = may_handle(actor, incident) or incident.school_id in scope_of(actor).school_ids
    if not allowed:
        raise NotAllowed(_("You may not comment on report %(ref)s.") % {"ref": incident.reference})
    text = (text or "").strip()
    if not text:
        raise DomainError(_("comment: write something."), code="comment_empty")
    if len(text) > 4000:
        raise DomainError(
            _("comment: at most 4000 characters (this one has %(n)d).") % {"n": len(text)}, code="comment_too_long"
        )
    return text


@transaction.atomic
def incident_comment(*, incident: Incident, actor, text: str, now: dt.datetime | None = None) -> IncidentEvent:
    """Add a comment to the report's timeline."""
    text = check_incident_comment(incident=incident, actor=actor, text=text)
    event = event_add(incident=incident, kind=IncidentEvent.Kind.COMMENT, actor=actor, at=now or timezone.now(),
                      text=text)  # fmt: skip
    audit_record(actor=actor, action="incident.comment", obj=incident, after={"event": event.pk, "text": text})
    publish_on_commit(incident.pk, "comment", extra={"comment": {"by": event.actor_name, "text": text}})
    return event
