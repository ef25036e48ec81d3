"""How a school reports an incident: ``incident_report`` and the reads the reporting pages and API use.

A report is stored (with its routing snapshot, timeline, photos and audit entry) in one transaction
before it is acknowledged. The client's idempotency key makes retries harmless: the same reporter
sending the same key and the same body gets the report already stored; the same key with another
body is refused. The unique constraint (reporter, idempotency_key) settles concurrent retries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from campus.models import Gate, LiaisonAssignment, Officer, School, SchoolStaff
from campus.scope import scope_of
from campus.selectors import staff_school_id
from common.audit import audit_record, snapshot
from common.errors import Conflict, NotAllowed
from common.geo import point_problem
from common.publish import run_after_commit
from common.roles import Capability, Role, can, roles_of
from incidents.models import Incident, IncidentEvent, IncidentPhoto
from incidents.notify import incident_notify_new
from incidents.photos import PhotoUpload, photos_check, photos_process
from incidents.selectors import incidents_visible

# A phone's clock may run a little ahead of the server's.
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
DESCRIPTION_MAX_CHARS = 4000
IDEMPOTENCY_KEY_RE = re.compile(r"^[A-Za-z0-9._:\-]{8,80}$")
PHONE_RE = re.compile(r"^[0-9+\-() ]{3,32}$")


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"


# --- reads ---------------------------------------------------------------------------------------


def incidents_reported_by_mine(user) -> QuerySet[Incident]:
    """The "my school's reports" list: school staff see their school's reports, others what they reported."""
    if scope_of(user).school_only:
        return incidents_visible(user)
    return incidents_visible(user).filter(reporter=user)


def reporting_schools(user) -> QuerySet[School]:
    """Schools the user may report for: their own (school staff) or every active school (administrators)."""
    if not can(user, Capability.REPORT_INCIDENTS):
        return School.objects.none()
    if Role.BUREAU_ADMIN in roles_of(user):
        return School.objects.filter(active=True)
    school_id = staff_school_id(user)
    return School.objects.filter(pk=school_id) if school_id else School.objects.none()


def current_liaison_officer(school: School) -> Officer | None:
    assignment = (
        LiaisonAssignment.objects.filter(school=school, ended_at__isnull=True).select_related("officer").first()
    )
    return assignment.officer if assignment else None


def reporter_defaults(user) -> dict[str, str]:
    """Name and phone the form and API fill in when the reporter leaves them out."""
    name = (user.get_full_name() or user.get_username())[:50]
    staff = SchoolStaff.objects.filter(user=user).only("phone").first()
    phone = staff.phone if staff else ""
    officer = getattr(user, "officer", None) if not phone else None
    if officer is not None:
        phone = officer.phone
    return {"reporter_name": name, "reporter_phone": phone or ""}


# --- the service ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Report:
    """The normalized report, as fingerprinted and stored."""

    school: School
    category: str
    severity: str
    occurred_at: dt.datetime
    description: str
    gate: Gate | None
    lat: float | None
    lon: float | None
    location_note: str
    reporter_name: str
    reporter_phone: str
    photo_digests: tuple[str, ...]

    def body_hash(self) -> str:
        body = {
            "school": self.school.pk,
            "category": self.category,
            "severity": self.severity,
            "occurred_at": self.occurred_at.astimezone(dt.UTC).replace(microsecond=0).isoformat(),
            "description": self.description,
            "gate": self.gate.pk if self.gate else None,
            "lat": None if self.lat is None else round(float(self.lat), 7),
            "lon": None if self.lon is None else round(float(self.lon), 7),
            "location_note": self.location_note,
            "reporter_name": self.reporter_name,
            "reporter_phone": self.reporter_phone,
            "photos": sorted(self.photo_digests),
        }
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


def check_incident_report(*, reporter, school: School) -> None:
    """The reporter may report for this school: administrators for any, school staff for their own only."""
    if not can(reporter, Capability.REPORT_INCIDENTS):
        raise NotAllowed(_("You may not report incidents."))
    if Role.BUREAU_ADMIN in roles_of(reporter):
        return
    own = staff_school_id(reporter)
    if own is None:
        raise NotAllowed(_("Your account is not linked to a school, so you cannot report incidents."))
    if school.pk != own:
        raise NotAllowed(
            _("You may report incidents only for your own school; %(school)s is another school.")
            % {"school": school.name},
            code="other_school",
        )


def _validate(report: _Report, idempotency_key: str) -> None:
    """Every problem at once, each under the name of its field."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not IDEMPOTENCY_KEY_RE.match(idempotency_key or ""):
        add("idempotency_key", _("The idempotency key must be 8 to 80 letters, digits or . _ : - characters."))
    if report.occurred_at is None or timezone.is_naive(report.occurred_at):
        add("occurred_at", _("Give the time of the incident with its time zone."))
    elif report.occurred_at > timezone.now() + FUTURE_TOLERANCE:
        add("occurred_at", _("The time of the incident is in the future."))
    if not report.description.strip():
        add("description", _("Describe what happened."))
    elif len(report.description) > DESCRIPTION_MAX_CHARS:
        add(
            "description",
            _("The description has %(n)d characters; at most %(most)d are accepted.")
            % {"n": len(report.description), "most": DESCRIPTION_MAX_CHARS},
        )
    if report.gate is not None and report.gate.school_id != report.school.pk:
        add("gate", _("%(gate)s is not a gate of %(school)s.") % {"gate": report.gate.name, "school": report.school})
    if (report.lat is None) != (report.lon is None):
        add("lat", _("Give both latitude and longitude of the point, or neither."))
    elif report.lat is not None:
        problem = point_problem(report.lat, report.lon)
        if problem:
            add("lat", _("The point on the map is not plausible: %(problem)s.") % {"problem": problem})
    if not report.reporter_name.strip():
        add("reporter_name", _("Give the reporter's name."))
    if report.reporter_phone and not PHONE_RE.match(report.reporter_phone):
        add("reporter_phone", _("The phone number may hold only digits, spaces and + - ( )."))
    if errors:
        raise ValidationError(errors)


def _same_report(existing: Incident, body_hash: str) -> Incident:
    if existing.body_hash != body_hash:
        raise IdempotencyKeyReused(
            _("This idempotency key was used for a different report (%(reference)s); send a new report with a new key.")
            % {"reference": existing.reference}
        )
    return existing


def _routed_text(officer: Officer | None, school: School) -> str:
    station = school.responsible_station
    if officer and station:
        return _("Routed to liaison officer %(officer)s (%(phone)s) and %(station)s (duty desk %(duty)s).") % {
            "officer": officer.name,
            "phone": officer.phone or "-",
            "station": station.name,
            "duty": station.duty_phone or "-",
        }
    if station:
        return _("No liaison officer is assigned to %(school)s; routed to %(station)s (duty desk %(duty)s).") % {
            "school": school.name,
            "station": station.name,
            "duty": station.duty_phone or "-",
        }
    if officer:
        return _("Routed to liaison officer %(officer)s (%(phone)s); %(school)s has no responsible station.") % {
            "officer": officer.name,
            "phone": officer.phone or "-",
            "school": school.name,
        }
    return _(
        "No liaison officer is assigned and %(school)s has no responsible station; the patrol brigade routes it."
    ) % {"school": school.name}


def reference_for(incident: Incident) -> str:
    """``XA-YYYYMMDD-NNNN``: the local date reported and the row id, so it is unique without a counter."""
    prefix = settings.INCIDENT_REFERENCE_PREFIX
    return f"{prefix}-{timezone.localtime(incident.created_at):%Y%m%d}-{incident.pk:04d}"


def _do_incident_report(*, reporter, report: _Report, idempotency_key: str, body_hash: str, photos) -> Incident:
    now = timezone.now()
    officer = current_liaison_officer(report.school)
    incident = Incident(
        # Replaced by the row-id reference below, in the same transaction; unique meanwhile.
        reference=f"new-{uuid.uuid4().hex}"[:32],
        school=report.school,
        category=report.category,
        severity=report.severity,
        gate=report.gate,
        lat=report.lat,
        lon=report.lon,
        location_note=report.location_note,
        occurred_at=report.occurred_at,
        description=report.description,
        reporter=reporter,
        reporter_name=report.reporter_name,
        reporter_phone=report.reporter_phone,
        idempotency_key=idempotency_key,
        body_hash=body_hash,
        liaison_officer=officer,
        station=report.school.responsible_station,
        created_at=now,
    )
    # The unique constraint is left to the database (validate_constraints=False): a concurrent retry
    # must reach the INSERT and lose there, not pass a check that cannot see the other transaction.
    incident.full_clean(exclude=["reference"], validate_unique=False, validate_constraints=False)
    incident.save(force_insert=True)
    incident.reference = reference_for(incident)
    Incident.objects.filter(pk=incident.pk).update(reference=incident.reference)
    IncidentPhoto.objects.bulk_create(
        IncidentPhoto(
            incident=incident,
            image=photo.jpeg,
            content_type="image/jpeg",
            width=photo.width,
            height=photo.height,
            size_bytes=len(photo.jpeg),
            original_name=photo.original_name[:200],
            uploaded_by=reporter,
        )
        for photo in photos
    )
    actor_name = (reporter.get_full_name() or reporter.get_username())[:150]
    IncidentEvent.objects.bulk_create(
        [
            IncidentEvent(
                incident=incident,
                kind=IncidentEvent.Kind.REPORTED,
                to_status=incident.status,
                text=_("Reported by %(name)s.") % {"name": report.reporter_name},
                actor=reporter,
                actor_name=actor_name,
                at=now,
            ),
            IncidentEvent(
                incident=incident,
                kind=IncidentEvent.Kind.ROUTED,
                text=_routed_text(officer, report.school),
                actor=None,
                actor_name="system",
                at=now,
            ),
        ]
    )
    audit_record(
        actor=reporter,
        action="incident.report",
        obj=incident,
        after={**snapshot(incident), "photos": len(photos)},
    )
    incident_id = incident.pk
    run_after_commit(lambda: incident_notify_new(incident_id), what=f"incident {incident_id} reported")
    return incident


def incident_report(
    *,
    reporter,
    school: School,
    category: str,
    severity: str,
    occurred_at: dt.datetime,
    description: str,
    idempotency_key: str,
    gate: Gate | None = None,
    lat: float | None = None,
    lon: float | None = None,
    location_note: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    photos: Sequence[PhotoUpload] = (),
) -> tuple[Incident, bool]:
    """Store a school's report, routed to its liaison officer and station. Returns ``(incident, created)``.

    ``occurred_at`` is aware; ``lat``/``lon`` are WGS-84 degrees. Raises ``NotAllowed`` (another school,
    no permission), ``ValidationError`` (field -> messages; photos named by file) or
    ``IdempotencyKeyReused`` (the key was used with another body). Nothing is written on any error.
    ``created`` is False when the same reporter already sent this key with this body: the stored report
    is returned and nothing is written.

    Photos are decoded and re-encoded before the transaction opens: on the embedded SQLite default a
    write transaction holds the database's one write lock, and seconds of image work inside it made
    every other writer (the telemetry bridge, other reports) wait or fail.
    """
    check_incident_report(reporter=reporter, school=school)
    photos = list(photos)
    defaults = reporter_defaults(reporter) if not reporter_name.strip() else {}
    report = _Report(
        school=school,
        category=category,
        severity=severity,
        occurred_at=occurred_at,
        description=description or "",
        gate=gate,
        lat=lat,
        lon=lon,
        location_note=(location_note or "").strip(),
        reporter_name=(reporter_name or "").strip() or defaults.get("reporter_name", ""),
        reporter_phone=(reporter_phone or "").strip(),
        photo_digests=tuple(p.digest for p in photos),
    )
    body_hash = report.body_hash()
    existing = Incident.objects.filter(reporter=reporter, idempotency_key=idempotency_key).first()
    if existing is not None:
        return _same_report(existing, body_hash), False
    _validate(report, idempotency_key)
    photos_check(photos)
    processed = photos_process(photos)
    try:
        # A savepoint when the caller holds a transaction: losing the race below leaves theirs usable.
        with transaction.atomic():
            incident = _do_incident_report(
                reporter=reporter, report=report, idempotency_key=idempotency_key, body_hash=body_hash, photos=processed
            )
    except IntegrityError:
        winner = Incident.objects.filter(reporter=reporter, idempotency_key=idempotency_key).first()
        if winner is None:
            raise
        return _same_report(winner, body_hash), False
    return incident, True
