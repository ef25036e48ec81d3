"""Writes on the roster: manual edits with conflict checks, swap requests, publishing, calendar tokens.

Every write is atomic and audited. Manual edits and accepted swaps are pinned, so re-planning keeps them.
An edit after publishing leaves the assignment unpublished until the next publish.
"""

from __future__ import annotations

import secrets

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from campus.calendar.days import uncertain_holidays
from campus.models import Term
from common.audit import audit_record, save_audited, snapshot
from common.errors import Conflict, DomainError, NotAllowed
from common.roles import Capability, can
from patrol.models import DutyAssignment, DutyRole, DutyShift, DutyStaff, Roster, SwapRequest
from patrol.notify import swap_request_notify
from patrol.roster import selectors
from patrol.roster.conflicts import ConflictItem, assignment_conflicts


class AssignmentConflict(Conflict):
    """The person cannot take the shift; ``details`` lists every reason."""

    code = "assignment_conflict"


def _require_manager(actor) -> None:
    if not can(actor, Capability.MANAGE_DUTY):
        raise NotAllowed(_("Only the patrol brigade may edit the roster."))


def conflicts_for(
    *, shift: DutyShift, staff: DutyStaff, role: str, exclude_assignment_ids: tuple[int, ...] = ()
) -> list[ConflictItem]:
    """Every reason ``staff`` cannot take a ``role`` slot on ``shift`` (their current duties from the database)."""
    info = selectors.shift_info(shift)
    existing = selectors.staff_shifts_around(staff=staff, day=shift.date, exclude_assignment_ids=exclude_assignment_ids)
    absences = selectors.staff_absences(staff=staff, start=shift.start, end=shift.end)
    return assignment_conflicts(
        staff=selectors.staff_info(staff), role=role, shift=info, existing=existing, absences=absences
    )


def check_assignment(
    *, shift: DutyShift, staff: DutyStaff, role: str, exclude_assignment_ids: tuple[int, ...] = ()
) -> None:
    """Raise ``AssignmentConflict`` naming the first problem (and listing all of them) if any."""
    if role not in DutyRole.values:
        raise DomainError(_("Unknown role %(role)s.") % {"role": role}, code="invalid_role")
    found = conflicts_for(shift=shift, staff=staff, role=role, exclude_assignment_ids=exclude_assignment_ids)
    if found:
        message = " ".join(item.message for item in found)
        raise AssignmentConflict(message, details=[item.as_dict() for item in found])


def _assignment_snapshot(assignment: DutyAssignment) -> dict:
    return {**snapshot(assignment), "term": assignment.shift.term_id}


# --- manual edits ------------------------------------------------------------------------------


@transaction.atomic
def assignment_add(*, shift: DutyShift, staff: DutyStaff, role: str, actor) -> DutyAssignment:
    """Put ``staff`` on ``shift`` in ``role`` by hand (source=manual, pinned)."""
    _require_manager(actor)
    DutyStaff.objects.select_for_update().filter(pk=staff.pk).first()
    check_assignment(shift=shift, staff=staff, role=role)
    assignment = DutyAssignment(
        shift=shift, staff=staff, role=role, source=DutyAssignment.Source.MANUAL, pinned=True, published=False
    )
    return save_audited(assignment, actor=actor, action="patrol.assignment")


@transaction.atomic
def assignment_remove(*, assignment: DutyAssignment, actor, reason: str) -> None:
    _require_manager(actor)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason for removing %(assignment)s.") % {"assignment": assignment}, code="reason")
    before = _assignment_snapshot(assignment)
    label = str(assignment)
    pk = assignment.pk
    assignment.delete()
    audit_record(
        actor=actor,
        action=selectors.REMOVE_ACTION,
        object_type="patrol.dutyassignment",
        object_id=pk,
        object_repr=label,
        before=before,
        reason=reason,
    )


@transaction.atomic
def assignment_replace(*, assignment: DutyAssignment, staff: DutyStaff, actor, reason: str = "") -> DutyAssignment:
    """Give ``assignment``'s slot to ``staff`` (same shift and role; source=manual, pinned, unpublished)."""
    _require_manager(actor)
    assignment = DutyAssignment.objects.select_for_update(of=("self",)).select_related("shift").get(pk=assignment.pk)
    if assignment.staff_id == staff.pk:
        raise DomainError(
            _("%(name)s already has this duty.") % {"name": staff.name},
            code="same_staff",
        )
    check_assignment(shift=assignment.shift, staff=staff, role=assignment.role)
    assignment.staff = staff
    assignment.source = DutyAssignment.Source.MANUAL
    assignment.pinned = True
    assignment.published = False
    return save_audited(assignment, actor=actor, action="patrol.assignment", reason=reason)


# --- swap requests -----------------------------------------------------------------------------


def _own_staff(actor) -> DutyStaff | None:
    return selectors.staff_of_user(actor)


def check_swap_request(
    *, assignment: DutyAssignment, to_staff: DutyStaff, in_return: DutyAssignment | None, actor
) -> None:
    if not can(actor, Capability.STAND_DUTY):
        raise NotAllowed(_("You may not ask for swaps."))
    mine = _own_staff(actor)
    if mine is None or assignment.staff_id != mine.pk:
        raise NotAllowed(
            _("You can only ask to swap your own duties; %(assignment)s is not yours.") % {"assignment": assignment}
        )
    if to_staff.pk == assignment.staff_id:
        raise DomainError(_("Ask someone else to take your duty."), code="same_staff")
    if assignment.shift.start <= timezone.now():
        raise DomainError(
            _("%(assignment)s has already started; it can no longer be swapped.") % {"assignment": assignment},
            code="past",
        )
    if in_return is not None:
        if in_return.staff_id != to_staff.pk:
            raise DomainError(
                _("The duty offered in return must be one of %(name)s's duties.") % {"name": to_staff.name},
                code="in_return",
            )
        if in_return.shift_id == assignment.shift_id:
            raise DomainError(_("Both duties are on the same shift."), code="in_return")
        if in_return.shift.start <= timezone.now():
            raise DomainError(
                _("%(assignment)s has already started; it can no longer be swapped.") % {"assignment": in_return},
                code="past",
            )
    if SwapRequest.objects.filter(assignment=assignment, to_staff=to_staff, status=SwapRequest.Status.PENDING).exists():
        raise Conflict(_("You already asked %(name)s to take this duty.") % {"name": to_staff.name})


@transaction.atomic
def swap_request_create(
    *,
    assignment: DutyAssignment,
    to_staff: DutyStaff,
    actor,
    in_return: DutyAssignment | None = None,
    reason: str = "",
) -> SwapRequest:
    """The holder of ``assignment`` asks ``to_staff`` to take it (optionally trading ``in_return``)."""
    check_swap_request(assignment=assignment, to_staff=to_staff, in_return=in_return, actor=actor)
    # Tell the requester now if the other person cannot take it; acceptance checks again.
    _check_swap_sides(assignment=assignment, to_staff=to_staff, in_return=in_return)
    swap = SwapRequest(assignment=assignment, to_staff=to_staff, in_return=in_return, reason=reason, requested_by=actor)
    swap = save_audited(swap, actor=actor, action="patrol.swap")
    swap_request_notify(swap=swap, event="asked")
    return swap


def _check_swap_sides(*, assignment: DutyAssignment, to_staff: DutyStaff, in_return: DutyAssignment | None) -> None:
    exclude = (assignment.pk,) + ((in_return.pk,) if in_return else ())
    check_assignment(shift=assignment.shift, staff=to_staff, role=assignment.role, exclude_assignment_ids=exclude)
    if in_return is not None:
        check_assignment(
            shift=in_return.shift, staff=assignment.staff, role=in_return.role, exclude_assignment_ids=exclude
        )


def _lock_pending(swap: SwapRequest) -> SwapRequest:
    swap = (
        SwapRequest.objects.select_for_update(of=("self",))
        .select_related("assignment__shift", "assignment__staff", "to_staff", "in_return__shift", "in_return__staff")
        .get(pk=swap.pk)
    )
    if swap.status != SwapRequest.Status.PENDING:
        raise Conflict(
            _("This swap request is already %(status)s.") % {"status": swap.get_status_display().lower()},
            code="not_pending",
        )
    return swap


def _may_decide(swap: SwapRequest, actor) -> bool:
    if can(actor, Capability.MANAGE_DUTY):
        return True
    mine = _own_staff(actor)
    return mine is not None and mine.pk == swap.to_staff_id and can(actor, Capability.STAND_DUTY)


def _decide(swap: SwapRequest, *, status: str, actor, reason: str = "") -> SwapRequest:
    before = snapshot(swap)
    swap.status = status
    swap.decided_by = actor if getattr(actor, "pk", None) else None
    swap.decided_at = timezone.now()
    # requested_by may have become empty (the user was deleted); that must not block a decision.
    swap.full_clean(exclude=["requested_by"])
    swap.save()
    audit_record(
        actor=actor, action=f"patrol.swap.{status}", obj=swap, before=before, after=snapshot(swap), reason=reason
    )
    return swap


@transaction.atomic
def swap_request_accept(*, swap: SwapRequest, actor) -> SwapRequest:
    """The other person or a scheduler accepts: the duties change hands (source=swap, pinned).

    Both sides are checked again for conflicts; nothing changes if either side has one.
    """
    swap = _lock_pending(swap)
    if not _may_decide(swap, actor):
        raise NotAllowed(_("Only %(name)s or the patrol brigade may accept this swap.") % {"name": swap.to_staff.name})
    assignment, in_return = swap.assignment, swap.in_return
    requester = assignment.staff
    if in_return is not None and in_return.staff_id != swap.to_staff_id:
        raise Conflict(_("The duty offered in return has changed hands since the request."), code="stale")
    if assignment.shift.start <= timezone.now():
        raise DomainError(
            _("%(assignment)s has already started; it can no longer be swapped.") % {"assignment": assignment},
            code="past",
        )
    _check_swap_sides(assignment=assignment, to_staff=swap.to_staff, in_return=in_return)
    assignment.staff = swap.to_staff
    assignment.source = DutyAssignment.Source.SWAP
    assignment.pinned = True
    save_audited(assignment, actor=actor, action="patrol.assignment", reason=_("swap"))
    touched = [assignment.pk]
    if in_return is not None:
        in_return.staff = requester
        in_return.source = DutyAssignment.Source.SWAP
        in_return.pinned = True
        save_audited(in_return, actor=actor, action="patrol.assignment", reason=_("swap"))
        touched.append(in_return.pk)
    # Other pending requests about these duties no longer make sense.
    stale = (
        SwapRequest.objects.filter(status=SwapRequest.Status.PENDING)
        .filter(Q(assignment_id__in=touched) | Q(in_return_id__in=touched))
        .exclude(pk=swap.pk)
    )
    for other in stale:
        _decide(other, status=SwapRequest.Status.CANCELLED, actor=actor, reason=_("the duty was swapped"))
        swap_request_notify(swap=other, event="cancelled_stale")
    swap = _decide(swap, status=SwapRequest.Status.ACCEPTED, actor=actor)
    swap_request_notify(swap=swap, event="accepted", requester=requester)
    return swap


@transaction.atomic
def swap_request_reject(*, swap: SwapRequest, actor, reason: str = "") -> SwapRequest:
    swap = _lock_pending(swap)
    if not _may_decide(swap, actor):
        raise NotAllowed(_("Only %(name)s or the patrol brigade may reject this swap.") % {"name": swap.to_staff.name})
    swap = _decide(swap, status=SwapRequest.Status.REJECTED, actor=actor, reason=reason)
    swap_request_notify(swap=swap, event="rejected")
    return swap


@transaction.atomic
def swap_request_cancel(*, swap: SwapRequest, actor) -> SwapRequest:
    swap = _lock_pending(swap)
    mine = _own_staff(actor)
    is_requester = swap.requested_by_id == getattr(actor, "pk", None) or (
        mine is not None and mine.pk == swap.assignment.staff_id
    )
    if not (is_requester and can(actor, Capability.STAND_DUTY)):
        raise NotAllowed(_("Only the person who asked may cancel this swap request."))
    swap = _decide(swap, status=SwapRequest.Status.CANCELLED, actor=actor)
    swap_request_notify(swap=swap, event="withdrawn")
    return swap


# --- publish and calendar tokens ---------------------------------------------------------------


@transaction.atomic
def roster_publish(*, term: Term, actor) -> Roster:
    """Publish the term's roster: every assignment published and pinned, version + 1."""
    _require_manager(actor)
    roster, _created = Roster.objects.select_for_update().get_or_create(term=term)
    # The solver's report (with its pieces' fingerprints, hundreds of KB for a county) is not what a
    # publish changes: it stays out of the audit entry and out of the write.
    fields = [f.name for f in Roster._meta.concrete_fields if f.name != "report"]
    before = snapshot(roster, fields=fields)
    assignments = DutyAssignment.objects.filter(shift__term=term)
    count = assignments.count()
    if count == 0:
        raise DomainError(
            _("The roster of %(term)s has no assignments to publish.") % {"term": term}, code="empty_roster"
        )
    check_publish_calendar(term=term, assignments=assignments)
    changed = assignments.filter(published=False).count()
    assignments.update(published=True, pinned=True)
    roster.status = Roster.Status.PUBLISHED
    roster.version += 1
    roster.published_at = timezone.now()
    roster.published_by = actor if getattr(actor, "pk", None) else None
    roster.full_clean()
    roster.save(update_fields=["status", "version", "published_at", "published_by"])
    audit_record(
        actor=actor,
        action="patrol.roster.publish",
        obj=roster,
        before=before,
        after={**snapshot(roster, fields=fields), "assignments": count, "newly_published": changed},
    )
    return roster


def check_publish_calendar(*, term: Term, assignments) -> None:
    """Refuse to publish duties on a fixed-date holiday (元旦, 劳动节, 国庆 1-3 October) of a year whose holiday
    calendar is not known yet (``campus.calendar.days.uncertain_holidays``), until its schedule is entered."""
    days = uncertain_holidays(start=term.start_date, end=term.end_date)
    if not days:
        return
    on_holidays = assignments.filter(shift__date__in=[d.date for d in days]).values_list("shift__date", flat=True)
    dates = sorted(set(on_holidays))
    if dates:
        names = {d.date: d.note for d in days}
        raise DomainError(
            _(
                "%(count)d duties fall on holidays of a year whose holiday calendar is not known yet: %(days)s. "
                "Enter that year's holiday schedule (Calendar: holiday schedule of a year) or remove the duties, "
                "then publish."
            )
            % {
                "count": on_holidays.count(),
                "days": ", ".join(f"{d.isoformat()} {names[d]}" for d in dates),
            },
            code="unknown_year_holidays",
            details=[{"date": d.isoformat(), "holiday": names[d]} for d in dates],
        )


@transaction.atomic
def calendar_token_regenerate(*, staff: DutyStaff, actor) -> DutyStaff:
    """A new private calendar URL for ``staff``; the old one stops working."""
    mine = _own_staff(actor)
    if not (can(actor, Capability.MANAGE_DUTY) or (mine is not None and mine.pk == staff.pk)):
        raise NotAllowed(_("You may only renew your own calendar link."))
    # The token itself stays out of the audit log: it is a credential.
    staff.calendar_token = secrets.token_urlsafe(24)
    staff.save(update_fields=["calendar_token"])
    audit_record(actor=actor, action="patrol.staff.calendar_token", obj=staff, reason=_("calendar link renewed"))
    return staff
