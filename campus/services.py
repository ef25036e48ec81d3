"""Writes for the school registry and 一校一警. Each service is atomic and audited."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campus.changes import change_announce
from campus.models import (
    Department,
    DepartmentPairing,
    LiaisonAssignment,
    Officer,
    School,
    Station,
)
from campus.scope import scope_of
from campus.spatial import schools_resolve_stations
from common.audit import audit_record, snapshot
from common.errors import DomainError, NotAllowed
from common.roles import Capability, can


class LiaisonError(DomainError):
    code = "liaison_invalid"


def officer_load(officer: Officer) -> int:
    return LiaisonAssignment.objects.filter(officer=officer, ended_at__isnull=True).count()


def check_liaison_assign(*, school: School, officer: Officer, actor, override_reason: str = "") -> list[str]:
    """Validate a liaison assignment; raise ``LiaisonError`` or return the rules overridden.

    Rules: the officer is active and a police officer (the plan names a 民警);
    they belong to the station responsible for the school; they are under the
    station's limit of schools. An administrator may override the last two
    with a reason; nobody may override the first two.
    """
    if not can(actor, Capability.ASSIGN_LIAISON):
        raise NotAllowed(_("You may not assign liaison officers."))
    if not school.active:
        raise LiaisonError(
            _("School %(school)s is closed; it takes no liaison officer.") % {"school": school}, code="school_inactive"
        )
    if not officer.active:
        raise LiaisonError(
            _("Officer %(officer)s is inactive and cannot be a liaison officer.") % {"officer": officer},
            code="officer_inactive",
        )
    if officer.kind != Officer.Kind.POLICE:
        raise LiaisonError(
            _("%(officer)s is an auxiliary officer; a school's liaison must be a police officer (民警).")
            % {"officer": officer},
            code="officer_not_police",
        )
    current = LiaisonAssignment.objects.filter(school=school, ended_at__isnull=True).first()
    if current is not None and current.officer_id == officer.id:
        raise LiaisonError(
            _("%(officer)s is already the liaison officer of %(school)s.") % {"officer": officer, "school": school},
            code="already_assigned",
        )
    broken: list[str] = []
    station = school.responsible_station
    if station is None:
        broken.append(_("%(school)s lies outside every station's jurisdiction and zone.") % {"school": school})
    elif officer.station_id != station.id:
        broken.append(
            _("%(officer)s belongs to %(their)s, but %(school)s is the responsibility of %(station)s.")
            % {
                "officer": officer,
                "their": officer.station or officer.department,
                "school": school,
                "station": station,
            }
        )
    limit_station = officer.station or station
    limit = limit_station.liaison_limit if limit_station else None
    if limit is not None and officer_load(officer) >= limit:
        broken.append(
            _("%(officer)s already liaises with %(count)d schools, the limit is %(limit)d.")
            % {"officer": officer, "count": officer_load(officer), "limit": limit}
        )
    if broken:
        if not override_reason.strip():
            raise LiaisonError(" ".join(broken), code="rule_broken", details=broken)
        if not can(actor, Capability.OVERRIDE_JURISDICTION):
            raise NotAllowed(
                _("Only a bureau administrator may override: %(rules)s") % {"rules": " ".join(broken)},
                code="override_not_allowed",
            )
    return broken


@transaction.atomic
def liaison_assign(
    *, school: School, officer: Officer, actor, reason: str = "", override_reason: str = ""
) -> LiaisonAssignment:
    """Make ``officer`` the liaison of ``school``, ending the current assignment if any."""
    # Lock the school row so two schedulers cannot both assign at once.
    school = School.objects.select_for_update(of=("self",)).select_related("responsible_station").get(pk=school.pk)
    overridden = check_liaison_assign(school=school, officer=officer, actor=actor, override_reason=override_reason)
    return do_liaison_assign(
        school=school,
        officer=officer,
        actor=actor,
        reason=reason,
        override_reason=override_reason.strip() if overridden else "",
    )


def do_liaison_assign(
    *, school: School, officer: Officer, actor, reason: str = "", override_reason: str = "", at=None
) -> LiaisonAssignment:
    """The write half of ``liaison_assign``: end the current assignment, start the new one, audit.

    Call only after ``check_liaison_assign`` accepted it, inside a transaction.
    ``override_reason`` is stored only when the check reported overridden rules.
    """
    now = at or timezone.now()
    user = actor if getattr(actor, "pk", None) else None  # the system actor is not a user row
    current = LiaisonAssignment.objects.filter(school=school, ended_at__isnull=True).select_related("officer").first()
    before = None
    if current is not None:
        before = snapshot(current)
        current.ended_at = now
        current.ended_by = user
        current.end_reason = reason or _("Reassigned to %(officer)s") % {"officer": officer}
        current.save(update_fields=["ended_at", "ended_by", "end_reason"])
    assignment = LiaisonAssignment(
        school=school,
        officer=officer,
        station_at_start=officer.station,
        started_at=now,
        reason=reason,
        override_reason=override_reason,
        assigned_by=user,
    )
    assignment.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError:
        raise LiaisonError(_("This school already has an active liaison officer."), code="already_assigned") from None
    audit_record(
        actor=actor,
        action="liaison.assign",
        obj=school,
        before=before,
        after=snapshot(assignment),
        reason="; ".join(filter(None, [reason, override_reason])),
    )
    return assignment


@transaction.atomic
def liaison_end(*, school: School, actor, reason: str) -> LiaisonAssignment:
    if not can(actor, Capability.ASSIGN_LIAISON):
        raise NotAllowed(_("You may not assign liaison officers."))
    if not reason.strip():
        raise LiaisonError(_("Give a reason for ending the assignment."), code="reason_required")
    current = LiaisonAssignment.objects.select_for_update().filter(school=school, ended_at__isnull=True).first()
    if current is None:
        raise LiaisonError(_("%(school)s has no active liaison officer.") % {"school": school}, code="no_liaison")
    before = snapshot(current)
    current.ended_at = timezone.now()
    current.ended_by = actor
    current.end_reason = reason
    current.save(update_fields=["ended_at", "ended_by", "end_reason"])
    audit_record(actor=actor, action="liaison.end", obj=school, before=before, after=snapshot(current), reason=reason)
    return current


@transaction.atomic
def department_pair(*, school: School, department: Department, actor, reason: str = "") -> DepartmentPairing:
    """科室队挂包: pair ``department`` with ``school``, ending the current pairing if any."""
    if not can(actor, Capability.ASSIGN_LIAISON):
        raise NotAllowed(_("You may not pair departments with schools."))
    school = School.objects.select_for_update().get(pk=school.pk)
    now = timezone.now()
    current = DepartmentPairing.objects.filter(school=school, ended_at__isnull=True).first()
    if current is not None and current.department_id == department.id:
        raise LiaisonError(
            _("%(department)s is already paired with %(school)s.") % {"department": department, "school": school},
            code="already_assigned",
        )
    before = None
    if current is not None:
        before = snapshot(current)
        current.ended_at = now
        current.ended_by = actor
        current.end_reason = reason or _("Re-paired with %(department)s") % {"department": department}
        current.save(update_fields=["ended_at", "ended_by", "end_reason"])
    pairing = DepartmentPairing.objects.create(
        school=school, department=department, started_at=now, reason=reason, assigned_by=actor
    )
    audit_record(
        actor=actor, action="pairing.assign", obj=school, before=before, after=snapshot(pairing), reason=reason
    )
    return pairing


@transaction.atomic
def department_unpair(*, school: School, actor, reason: str) -> DepartmentPairing:
    if not can(actor, Capability.ASSIGN_LIAISON):
        raise NotAllowed(_("You may not pair departments with schools."))
    if not reason.strip():
        raise LiaisonError(_("Give a reason for ending the pairing."), code="reason_required")
    current = DepartmentPairing.objects.select_for_update().filter(school=school, ended_at__isnull=True).first()
    if current is None:
        raise LiaisonError(_("%(school)s has no paired department.") % {"school": school}, code="no_pairing")
    before = snapshot(current)
    current.ended_at = timezone.now()
    current.ended_by = actor
    current.end_reason = reason
    current.save(update_fields=["ended_at", "ended_by", "end_reason"])
    audit_record(actor=actor, action="pairing.end", obj=school, before=before, after=snapshot(current), reason=reason)
    return current


@transaction.atomic
def officer_deactivate(*, officer: Officer, actor, reason: str) -> Officer:
    """Deactivate an officer. Their schools keep the assignment but show as needing reassignment."""
    if not can(actor, Capability.EDIT_REGISTRY):
        raise NotAllowed(_("You may not change officers."))
    if not reason.strip():
        raise DomainError(_("Give a reason for deactivating the officer."), code="reason_required")
    if not officer.active:
        raise DomainError(_("%(officer)s is already inactive.") % {"officer": officer}, code="already_inactive")
    before = snapshot(officer)
    officer.active = False
    officer.save(update_fields=["active"])
    audit_record(
        actor=actor, action="officer.deactivate", obj=officer, before=before, after=snapshot(officer), reason=reason
    )
    # Other apps react in this transaction (patrol flags the officer's published duties): campus.changes.
    officer.change_notes = change_announce("officer_deactivated", officer=officer, actor=actor)
    return officer


@transaction.atomic
def officer_activate(*, officer: Officer, actor, reason: str = "") -> Officer:
    if not can(actor, Capability.EDIT_REGISTRY):
        raise NotAllowed(_("You may not change officers."))
    before = snapshot(officer)
    officer.active = True
    officer.save(update_fields=["active"])
    audit_record(
        actor=actor, action="officer.activate", obj=officer, before=before, after=snapshot(officer), reason=reason
    )
    return officer


@transaction.atomic
def officer_transfer(*, officer: Officer, station: Station, actor, reason: str) -> Officer:
    """Move an officer to another station. Their current schools show as needing reassignment."""
    if not can(actor, Capability.EDIT_REGISTRY):
        raise NotAllowed(_("You may not change officers."))
    if not reason.strip():
        raise DomainError(_("Give a reason for the transfer."), code="reason_required")
    if officer.station_id == station.id:
        raise DomainError(
            _("%(officer)s already belongs to %(station)s.") % {"officer": officer, "station": station},
            code="same_station",
        )
    before = snapshot(officer)
    old_station = officer.station
    officer.station = station
    officer.save(update_fields=["station"])
    audit_record(
        actor=actor, action="officer.transfer", obj=officer, before=before, after=snapshot(officer), reason=reason
    )
    officer.change_notes = change_announce("officer_moved", officer=officer, old_station=old_station, actor=actor)
    return officer


def school_scope_check(*, actor, school: School) -> None:
    """The school is within the actor's registry scope (``campus.scope``): any school for police roles,
    their own for school safety staff."""
    if not scope_of(actor).sees_school(school.id):
        raise NotAllowed(_("You may only see and act on your own school."), code="other_school")


@transaction.atomic
def school_save(*, school: School, actor, reason: str = "") -> School:
    """Create or update a school; recompute its zone and responsible station from its point."""
    if not can(actor, Capability.EDIT_REGISTRY):
        raise NotAllowed(_("You may not change the school registry."))
    before = None
    if school.pk:
        before = snapshot(School.objects.get(pk=school.pk))
    school.full_clean()
    schools_resolve_stations([school])
    school.save()
    audit_record(
        actor=actor,
        action="school.update" if before else "school.create",
        obj=school,
        before=before,
        after=snapshot(school),
        reason=reason,
    )
    return school


@transaction.atomic
def schools_recompute_responsibility(*, actor=None, reason: str = "") -> int:
    """Recompute every school's zone and station (after jurisdictions or zones change).

    Returns how many schools changed station or zone; each change is audited.
    """
    schools = list(School.objects.all())
    old = {s.pk: (s.zone_id, s.responsible_station_id) for s in schools}
    schools_resolve_stations(schools)
    changed = [s for s in schools if old[s.pk] != (s.zone_id, s.responsible_station_id)]
    School.objects.bulk_update(changed, ["zone", "responsible_station"], batch_size=500)
    for s in changed:
        audit_record(
            actor=actor,
            action="school.responsibility",
            obj=s,
            before={"zone_id": old[s.pk][0], "responsible_station_id": old[s.pk][1]},
            after={"zone_id": s.zone_id, "responsible_station_id": s.responsible_station_id},
            reason=reason or "jurisdiction or zone change",
        )
    return len(changed)


@transaction.atomic
def station_save(*, station: Station, actor, reason: str = "") -> Station:
    """Create or update a station; if its jurisdiction changed, re-resolve every school."""
    if not can(actor, Capability.EDIT_REGISTRY):
        raise NotAllowed(_("You may not change the school registry."))
    old = Station.objects.filter(pk=station.pk).first() if station.pk else None
    before = snapshot(old) if old else None
    station.full_clean()
    station.save()
    audit_record(
        actor=actor,
        action="station.update" if old else "station.create",
        obj=station,
        before=before,
        after=snapshot(station),
        reason=reason,
    )
    if old is None or old.jurisdiction != station.jurisdiction:
        schools_recompute_responsibility(actor=actor, reason=f"jurisdiction of {station.code} changed")
    return station


@transaction.atomic
def zone_save(*, zone, actor, reason: str = ""):
    """Create or update an urban zone; re-resolve every school's responsible station."""
    from campus.models import Zone

    if not can(actor, Capability.EDIT_REGISTRY):
        raise NotAllowed(_("You may not change the school registry."))
    old = Zone.objects.filter(pk=zone.pk).first() if zone.pk else None
    zone.full_clean()
    zone.save()
    audit_record(
        actor=actor,
        action="zone.update" if old else "zone.create",
        obj=zone,
        before=snapshot(old) if old else None,
        after=snapshot(zone),
        reason=reason,
    )
    if old is None or old.boundary != zone.boundary or old.station_id != zone.station_id:
        schools_recompute_responsibility(actor=actor, reason=f"zone {zone.code} changed")
    return zone


@transaction.atomic
def officer_save(*, officer: Officer, actor, reason: str = "") -> Officer:
    if not can(actor, Capability.EDIT_REGISTRY):
        raise NotAllowed(_("You may not change officers."))
    old = Officer.objects.filter(pk=officer.pk).first() if officer.pk else None
    officer.full_clean()
    officer.save()
    audit_record(
        actor=actor,
        action="officer.update" if old else "officer.create",
        obj=officer,
        before=snapshot(old) if old else None,
        after=snapshot(officer),
        reason=reason,
    )
    officer.change_notes = []
    if old is not None and old.station_id != officer.station_id:
        officer.change_notes += change_announce("officer_moved", officer=officer, old_station=old.station, actor=actor)
    if old is not None and old.active and not officer.active:
        officer.change_notes += change_announce("officer_deactivated", officer=officer, actor=actor)
    return officer
