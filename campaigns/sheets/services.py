"""Writes for day sheets and flight applications (飞行计划申请).

- ``applications_ensure``: every sortie of a day that is not cancelled gets its application row (a
  draft) when the day's list is opened or exported by a planner; one transaction, one audit entry.
- ``application_submit`` / ``applications_submit_day``, ``application_approve`` (the authority's reference
  is required), ``application_refuse`` (a reason is required): one step of the workflow each, checked
  first (``check_application_transition``), audited with before and after.

  draft ──submit──> submitted ──approve(reference)──> approved
  refused ──submit──┘         └──refuse(reason)──> refused <──refuse(reason)── approved (revoked)

- ``sortie_fly``: "fly this sortie": ``check_sortie_fly`` refuses with the reason (not today, not yours,
  already flown, cancelled, no mission, application not approved), then ``drones.missions.flights.
  flight_create`` opens the flight of the sortie's mission (the control lock and the mission's checks are
  drones' rules), records the approval reference on it and links it to the sortie. A refusal is audited.
- ``pilot_calendar_token_renew``: a new secret for a pilot's calendar feed.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.content.selectors import playlist_ready
from campaigns.models import FlightApplication, Sortie
from campaigns.sheets import selectors
from campaigns.sheets.models import PilotCalendarToken, new_calendar_token
from common.audit import audit_record
from common.errors import Conflict, DomainError, NotAllowed
from common.roles import Capability, can
from drones.missions.flights import flight_create
from drones.models import Flight, Pilot

REFERENCE_MAX = 100
NOTE_MAX = 300


def _require_plan(actor) -> None:
    if not can(actor, Capability.PLAN_CAMPAIGNS):
        raise NotAllowed(_("You may not file flight applications."))


def _label(sortie: Sortie) -> str:
    return _("the sortie of %(time)s at %(place)s") % {
        "time": f"{timezone.localtime(sortie.start):%Y-%m-%d %H:%M}",
        "place": selectors.place_of(sortie)["name"],
    }


def _state(application: FlightApplication) -> dict:
    return {
        "status": application.status,
        "reference": application.reference,
        "note": application.note,
        "sortie": application.sortie_id,
    }


@transaction.atomic
def applications_ensure(*, day: dt.date, actor) -> int:
    """Make the missing application rows (drafts) of ``day``'s sorties; returns how many were made."""
    _require_plan(actor)
    missing = list(selectors.application_sorties(day).filter(application__isnull=True).values_list("pk", flat=True))
    if not missing:
        return 0
    FlightApplication.objects.bulk_create([FlightApplication(sortie_id=pk) for pk in missing])
    audit_record(
        actor=actor,
        action="campaigns.application.create",
        object_type="campaigns.flightapplication",
        object_repr=_("Flight applications of %(day)s") % {"day": day.isoformat()},
        after={"day": day.isoformat(), "created": len(missing), "sorties": missing},
    )
    return len(missing)


ALLOWED_FROM = {
    "submit": (FlightApplication.Status.DRAFT, FlightApplication.Status.REFUSED),
    "approve": (FlightApplication.Status.SUBMITTED,),
    "refuse": (FlightApplication.Status.SUBMITTED, FlightApplication.Status.APPROVED),
}


def check_application_transition(*, application: FlightApplication, step: str, actor) -> None:
    """Refuse, with what and where, a step the application's status or its sortie does not allow."""
    _require_plan(actor)
    sortie = application.sortie
    if sortie.status == Sortie.Status.CANCELLED:
        raise Conflict(
            _("The application for %(sortie)s cannot change: the sortie is cancelled.") % {"sortie": _label(sortie)},
            code="sortie_cancelled",
        )
    if application.status not in ALLOWED_FROM[step]:
        messages = {
            "submit": _("The application for %(sortie)s is %(status)s; only a draft or a refused one is submitted."),
            "approve": _("The application for %(sortie)s is %(status)s; only a submitted one can be approved."),
            "refuse": _(
                "The application for %(sortie)s is %(status)s; only a submitted or approved one can be refused."
            ),
        }
        raise Conflict(
            messages[step] % {"sortie": _label(sortie), "status": application.get_status_display()},
            code="wrong_status",
        )


def _save(application: FlightApplication, *, actor, action: str, before: dict, reason: str = "") -> None:
    application.full_clean()
    application.save()
    audit_record(
        actor=actor,
        action=f"campaigns.application.{action}",
        obj=application,
        before=before,
        after=_state(application),
        reason=reason,
    )


def _locked(application: FlightApplication) -> FlightApplication:
    return (
        FlightApplication.objects.select_for_update(of=("self",))
        .select_related("sortie__occurrence")
        .get(pk=application.pk)
    )


@transaction.atomic
def application_submit(*, application: FlightApplication, actor) -> FlightApplication:
    """Mark the application submitted to the authority (a draft, or a refused one filed again)."""
    application = _locked(application)
    check_application_transition(application=application, step="submit", actor=actor)
    before = _state(application)
    application.status = FlightApplication.Status.SUBMITTED
    application.submitted_at = timezone.now()
    application.decided_at = None
    application.reference = ""
    _save(application, actor=actor, action="submit", before=before)
    return application


@transaction.atomic
def applications_submit_day(*, day: dt.date, actor) -> int:
    """Submit every draft application of ``day`` (rows made first for sorties without one); how many."""
    applications_ensure(day=day, actor=actor)
    drafts = list(
        FlightApplication.objects.filter(
            sortie__in=selectors.application_sorties(day), status=FlightApplication.Status.DRAFT
        ).select_related("sortie__occurrence")
    )
    if not drafts:
        raise DomainError(
            _("No application of %(day)s is a draft: nothing to submit.") % {"day": day.isoformat()},
            code="nothing_to_submit",
        )
    for application in drafts:
        application_submit(application=application, actor=actor)
    return len(drafts)


@transaction.atomic
def application_approve(*, application: FlightApplication, actor, reference: str) -> FlightApplication:
    """Record the authority's approval with its reference number (required, at most 100 characters)."""
    reference = (reference or "").strip()
    if not reference:
        raise DomainError(_("reference: give the approval reference the authority issued."), code="reference_missing")
    if len(reference) > REFERENCE_MAX:
        raise DomainError(
            _("reference: at most %(n)d characters (%(got)d given).") % {"n": REFERENCE_MAX, "got": len(reference)},
            code="reference_too_long",
        )
    application = _locked(application)
    check_application_transition(application=application, step="approve", actor=actor)
    before = _state(application)
    application.status = FlightApplication.Status.APPROVED
    application.reference = reference
    application.note = ""
    application.decided_at = timezone.now()
    _save(application, actor=actor, action="approve", before=before)
    return application


@transaction.atomic
def application_refuse(*, application: FlightApplication, actor, reason: str) -> FlightApplication:
    """Record a refusal (or a revoked approval) with the authority's reason (required)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("reason: say why the application was refused."), code="reason_missing")
    if len(reason) > NOTE_MAX:
        raise DomainError(
            _("reason: at most %(n)d characters (%(got)d given).") % {"n": NOTE_MAX, "got": len(reason)},
            code="reason_too_long",
        )
    application = _locked(application)
    check_application_transition(application=application, step="refuse", actor=actor)
    before = _state(application)
    application.status = FlightApplication.Status.REFUSED
    application.reference = ""
    application.note = reason
    application.decided_at = timezone.now()
    _save(application, actor=actor, action="refuse", before=before, reason=reason)
    return application


# --- fly this sortie -------------------------------------------------------------------------------


def application_problem(application: FlightApplication | None) -> str:
    """Why the application does not allow the flight ("" when it is approved)."""
    if application is None or application.status == FlightApplication.Status.DRAFT:
        return _("its flight application has not been submitted")
    if application.status == FlightApplication.Status.SUBMITTED:
        return _("its flight application is submitted but not approved yet")
    if application.status == FlightApplication.Status.REFUSED:
        return _("its flight application was refused: %(reason)s") % {"reason": application.note or "—"}
    return ""


def check_sortie_fly(*, sortie: Sortie, actor, today: dt.date | None = None) -> Flight | None:
    """Refuse a sortie that is not the actor's, not today's, cancelled, already flown, without a mission or
    without an approved application. Returns the sortie's flight still in preflight, if it has one."""
    today = today or timezone.localdate()
    what = _label(sortie)
    if sortie.pilot.user_id != actor.pk:
        raise NotAllowed(
            _("%(sortie)s is assigned to %(pilot)s, not to you.") % {"sortie": what, "pilot": sortie.pilot},
            code="not_your_sortie",
        )
    if sortie.status == Sortie.Status.CANCELLED:
        raise Conflict(_("%(sortie)s is cancelled.") % {"sortie": what}, code="sortie_cancelled")
    flight = sortie.flight
    if sortie.status == Sortie.Status.FLOWN or (
        flight is not None and flight.status not in (Flight.Status.PREFLIGHT, Flight.Status.CANCELLED)
    ):
        raise Conflict(
            _("%(sortie)s has already been flown (flight %(flight)s).")
            % {"sortie": what, "flight": flight.pk if flight else "—"},
            code="already_flown",
        )
    if sortie.occurrence.date != today:
        raise DomainError(
            _("%(sortie)s is on %(day)s, not today (%(today)s): a sortie is flown on its day.")
            % {"sortie": what, "day": sortie.occurrence.date.isoformat(), "today": today.isoformat()},
            code="not_today",
        )
    problem = application_problem(selectors.application_of(sortie))
    if problem:
        raise DomainError(
            _("%(sortie)s cannot be flown: %(problem)s.") % {"sortie": what, "problem": problem},
            code="application_not_approved",
        )
    if sortie.mission is None:
        raise DomainError(_("%(sortie)s has no mission to fly.") % {"sortie": what}, code="no_mission")
    ready, problems = playlist_ready(sortie.occurrence.campaign.playlist)
    if not ready:  # only what the publicity office approved is broadcast, even if a clip changed since
        raise DomainError(
            _("%(sortie)s cannot be flown: its playlist may not be broadcast: %(problems)s")
            % {"sortie": what, "problems": " ".join(problems)},
            code="playlist_not_approved",
        )
    if flight is not None and flight.status == Flight.Status.PREFLIGHT:
        return flight
    return None


def sortie_fly(*, sortie: Sortie, actor) -> Flight:
    """Open (or return, when one is in preflight) the flight of the sortie's mission, linked to the sortie."""
    try:
        return _do_sortie_fly(sortie_id=sortie.pk, actor=actor)
    except DomainError as exc:
        # Outside the rolled-back transaction: a refused attempt stays on record.
        audit_record(
            actor=actor,
            action="campaigns.sortie.fly.refused",
            obj=sortie,
            after={"refused": True, "code": exc.code, "detail": exc.message},
        )
        raise


@transaction.atomic
def _do_sortie_fly(*, sortie_id: int, actor) -> Flight:
    sortie = (
        Sortie.objects.select_for_update(of=("self",))
        .select_related("occurrence", "pilot", "mission__drone", "flight", "application")
        .get(pk=sortie_id)
    )
    open_flight = check_sortie_fly(sortie=sortie, actor=actor)
    if open_flight is not None:
        return open_flight
    flight = flight_create(mission=sortie.mission, actor=actor)
    flight.approval_ref = sortie.application.reference
    flight.save(update_fields=["approval_ref"])
    sortie.flight = flight
    sortie.save(update_fields=["flight"])
    audit_record(
        actor=actor,
        action="campaigns.sortie.fly",
        obj=sortie,
        after={"flight": flight.pk, "mission": sortie.mission_id, "approval_ref": flight.approval_ref},
    )
    return flight


# --- the calendar feed's secret --------------------------------------------------------------------


def pilot_calendar_token(pilot: Pilot) -> PilotCalendarToken:
    """The pilot's calendar link, made on first use (a read: nobody's data changes)."""
    token, _created = PilotCalendarToken.objects.get_or_create(pilot=pilot)
    return token


@transaction.atomic
def pilot_calendar_token_renew(*, pilot: Pilot, actor) -> PilotCalendarToken:
    """A new secret for ``pilot``'s calendar feed; the old link stops working. The pilot themself or a
    planner may renew it. The token stays out of the audit log: it is a credential."""
    if pilot.user_id != actor.pk and not can(actor, Capability.PLAN_CAMPAIGNS):
        raise NotAllowed(_("You may only renew your own calendar link."))
    token, _created = PilotCalendarToken.objects.select_for_update().get_or_create(pilot=pilot)
    token.token = new_calendar_token()
    token.save(update_fields=["token", "created_at"])
    audit_record(actor=actor, action="campaigns.pilot.calendar_token", obj=pilot, reason=_("calendar link renewed"))
    return token
