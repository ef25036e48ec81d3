"""Follow-up (回访) after resolution, and rectification items (问题清单) for unsatisfied answers.

The reporter (school safety staff, for reports they made) or a bureau caller (scheduler, administrator)
records the satisfaction once the report is resolved. "Unsatisfied" opens a rectification item for the
responsible station, due ``INCIDENT_RECTIFY_DAYS`` later, until someone clears it with the action taken.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campus.scope import scope_of
from common.audit import audit_record, snapshot
from common.errors import Conflict, DomainError, NotAllowed
from common.roles import Capability, can
from incidents.models import FollowUp, Incident, IncidentEvent, IncidentStatus, Rectification
from incidents.notify import publish_on_commit
from incidents.selectors import may_clear_rectification


class FollowUpInvalid(DomainError):
    code = "follow_up_invalid"


def follow_up_open(*, incident: Incident, now: dt.datetime) -> FollowUp:
    """Create the pending follow-up of a resolved report (inside the resolving transaction)."""
    follow_up, created = FollowUp.objects.get_or_create(
        incident=incident, defaults={"due_at": now + dt.timedelta(hours=settings.INCIDENT_FOLLOW_UP_HOURS)}
    )
    if created:
        audit_record(actor=None, action="incident.follow_up.open", obj=follow_up, after=snapshot(follow_up))
    return follow_up


def follow_up_channel(actor, incident: Incident) -> str:
    """How ``actor`` records the follow-up of ``incident``, or raise ``NotAllowed``."""
    if not can(actor, Capability.FOLLOW_UP_INCIDENTS):
        raise NotAllowed(_("You may not record follow-ups."))
    scope = scope_of(actor)
    if scope.county:
        return FollowUp.Channel.CALL
    if scope.school_ids and incident.reporter_id == getattr(actor, "pk", None):
        return FollowUp.Channel.REPORTER
    raise NotAllowed(
        _("Only the person who reported %(ref)s or a bureau caller records its follow-up.")
        % {"ref": incident.reference}
    )


def check_follow_up_record(*, incident: Incident, actor, satisfaction: str, comment: str) -> tuple[str, str]:
    channel = follow_up_channel(actor, incident)
    if incident.status not in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED):
        raise FollowUpInvalid(
            _("Report %(ref)s is not resolved yet (it is %(status)s); the follow-up comes after resolution.")
            % {"ref": incident.reference, "status": incident.get_status_display()},
            code="not_resolved",
        )
    if satisfaction not in FollowUp.Satisfaction.values:
        raise FollowUpInvalid(
            _("satisfaction: choose one of %(choices)s.")
            % {"choices": ", ".join(str(c.label) for c in FollowUp.Satisfaction)},
            code="satisfaction_invalid",
        )
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise FollowUpInvalid(_("comment: at most 2000 characters."), code="comment_too_long")
    if satisfaction == FollowUp.Satisfaction.UNSATISFIED and not comment:
        raise FollowUpInvalid(
            _("comment: say what was unsatisfactory; it goes to the station as a rectification item."),
            code="comment_required",
        )
    return channel, comment


@transaction.atomic
def follow_up_record(
    *, incident: Incident, actor, satisfaction: str, comment: str = "", now: dt.datetime | None = None
) -> FollowUp:
    """Record the 回访 once; "unsatisfied" opens a rectification item for the responsible station."""
    from incidents.handle.services import event_add

    now = now or timezone.now()
    incident = Incident.objects.select_for_update(of=("self",)).select_related("station").get(pk=incident.pk)
    channel, comment = check_follow_up_record(incident=incident, actor=actor, satisfaction=satisfaction,
                                              comment=comment)  # fmt: skip
    follow_up = FollowUp.objects.select_for_update().filter(incident=incident).first()
    if follow_up is None:  # resolved before this part existed, or by hand in the admin
        follow_up = follow_up_open(incident=incident, now=now)
    if follow_up.status == FollowUp.Status.DONE:
        raise Conflict(
            _("The follow-up of %(ref)s was already recorded on %(at)s.")
            % {"ref": incident.reference, "at": timezone.localtime(follow_up.done_at).strftime("%Y-%m-%d %H:%M")},
            code="follow_up_done",
        )
    before = snapshot(follow_up)
    follow_up.status = FollowUp.Status.DONE
    follow_up.satisfaction = satisfaction
    follow_up.comment = comment
    follow_up.channel = channel
    follow_up.recorded_by = actor
    follow_up.done_at = now
    follow_up.full_clean()
    follow_up.save()
    text = str(FollowUp.Satisfaction(satisfaction).label) + (f": {comment}" if comment else "")
    event_add(incident=incident, kind=IncidentEvent.Kind.FOLLOW_UP, actor=actor, at=now, text=text)
    audit_record(actor=actor, action="incident.follow_up.record", obj=follow_up, before=before,
                 after=snapshot(follow_up))  # fmt: skip
    if satisfaction == FollowUp.Satisfaction.UNSATISFIED:
        rectification = Rectification(
            incident=incident,
            station=incident.station,
            problem=comment,
            due_date=timezone.localdate(now) + dt.timedelta(days=settings.INCIDENT_RECTIFY_DAYS),
            created_at=now,
        )
        rectification.full_clean()
        rectification.save()
        event_add(incident=incident, kind=IncidentEvent.Kind.RECTIFICATION, actor=actor, at=now,
                  text=_("Rectification item opened, due %(date)s.") % {"date": rectification.due_date})  # fmt: skip
        audit_record(actor=actor, action="incident.rectification.open", obj=rectification,
                     after=snapshot(rectification))  # fmt: skip
    publish_on_commit(incident.pk, "follow_up", extra={"satisfaction": satisfaction})
    return follow_up


@transaction.atomic
def rectification_clear(
    *, rectification: Rectification, actor, action_taken: str, now: dt.datetime | None = None
) -> Rectification:
    """Clear an open rectification item with the action taken (an officer of its station, or the bureau)."""
    from incidents.handle.services import event_add

    now = now or timezone.now()
    item = Rectification.objects.select_for_update(of=("self",)).select_related("incident").get(pk=rectification.pk)
    if not may_clear_rectification(actor, item):
        raise NotAllowed(_("Only the responsible station or the patrol brigade clears this rectification item."))
    if item.status == Rectification.Status.CLEARED:
        raise Conflict(_("This rectification item was already cleared."), code="rectification_cleared")
    action_taken = (action_taken or "").strip()
    if not action_taken:
        raise DomainError(_("action taken: say what was done to put it right."), code="action_required")
    if len(action_taken) > 2000:
        raise DomainError(_("action taken: at most 2000 characters."), code="action_too_long")
    before = snapshot(item)
    item.status = Rectification.Status.CLEARED
    item.action_taken = action_taken
    item.cleared_at = now
    item.cleared_by = actor
    item.full_clean()
    item.save()
    event_add(incident=item.incident, kind=IncidentEvent.Kind.RECTIFICATION, actor=actor, at=now,
              text=_("Rectification cleared: %(action)s") % {"action": action_taken})  # fmt: skip
    audit_record(actor=actor, action="incident.rectification.clear", obj=item, before=before, after=snapshot(item))
    publish_on_commit(item.incident_id, "rectification", school=False)
    rectification.refresh_from_db()
    return item
