"""Emergency plans (应急预案): adding versions, and the reads the plan pages, API and school page use.

A school has one plan per scenario (a ``DrillType``); the plan's content lives in numbered versions, each
with its text and/or document, who approved it and when it is due for review (a year after approval unless
given). Versions only move forward: a version numbered at or below the current one, or dated before it, is
refused and nothing is written. The county list flags reviews overdue or due within
``DRILL_REMINDER_DAYS`` and the scenarios a school's drill rules require but no plan covers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from campus.models import School, Station
from campus.scope import scope_of
from campus.selectors import staff_school_id
from common.audit import audit_record, snapshot
from common.errors import Conflict, DomainError, NotAllowed
from common.roles import Capability, can
from drills.models import Attachment, DrillRule, DrillType, EmergencyPlan, EmergencyPlanVersion
from drills.rules import rules_active, rules_for_school
from drills.selectors import drill_schools_visible

REVIEW_OVERDUE = "overdue"
REVIEW_DUE_SOON = "due_soon"
REVIEW_OK = "ok"
REVIEW_NONE = "none"  # a plan without any version yet


class PlanVersionOutdated(DomainError):
    """The new version is not newer than the plan's current version (number or dates)."""

    code = "plan_version_outdated"


# --- scope ---------------------------------------------------------------------------------------


def check_school_scope(*, actor, school: School, capability: Capability, what: str) -> None:
    """The actor holds ``capability`` and acts within their registry scope (``campus.scope``): police
    roles for any school, school staff for their own school only."""
    if not can(actor, capability):
        raise NotAllowed(_("You may not %(what)s.") % {"what": what})
    if scope_of(actor).registry_county:
        return
    own = staff_school_id(actor)
    if own is None:
        raise NotAllowed(_("Your account is not linked to a school."), code="no_school")
    if school.pk != own:
        raise NotAllowed(
            _("You may act only for your own school; %(school)s is another school.") % {"school": school.name},
            code="other_school",
        )


# --- reads ---------------------------------------------------------------------------------------


def _versions_prefetch() -> Prefetch:
    return Prefetch(
        "versions",
        queryset=EmergencyPlanVersion.objects.order_by("-version").prefetch_related("attachments"),
        to_attr="version_list",
    )


def plans_visible(user) -> QuerySet[EmergencyPlan]:
    """Plans the user may see (VIEW_DRILLS, the registry scope), each with ``version_list`` (newest
    first) prefetched."""
    qs = EmergencyPlan.objects.select_related("school", "school__responsible_station", "scenario").prefetch_related(
        _versions_prefetch()
    )
    if not can(user, Capability.VIEW_DRILLS):
        return qs.none()
    return scope_of(user).filter_schools(qs, school="school")


def plan_current(plan: EmergencyPlan) -> EmergencyPlanVersion | None:
    """The plan's current version: the highest number (uses the prefetched list when there is one)."""
    versions = getattr(plan, "version_list", None)
    if versions is not None:
        return versions[0] if versions else None
    return plan.versions.order_by("-version").first()


def review_status(review_due: dt.date | None, *, today: dt.date | None = None) -> str:
    """``overdue`` (review date passed), ``due_soon`` (within DRILL_REMINDER_DAYS), ``ok``, or ``none``."""
    if review_due is None:
        return REVIEW_NONE
    today = today or timezone.localdate()
    if review_due < today:
        return REVIEW_OVERDUE
    if review_due <= today + dt.timedelta(days=settings.DRILL_REMINDER_DAYS):
        return REVIEW_DUE_SOON
    return REVIEW_OK


def required_scenarios(school: School, rules: list[DrillRule] | None = None) -> list[DrillType]:
    """The drill types the school's applicable rules require, by name."""
    types = {rule.drill_type_id: rule.drill_type for rule in rules_for_school(school, rules=rules)}
    return sorted(types.values(), key=lambda t: t.name)


@dataclass
class PlanRow:
    plan: EmergencyPlan
    current: EmergencyPlanVersion | None
    status: str


@dataclass
class SchoolPlans:
    school: School
    rows: list[PlanRow] = field(default_factory=list)
    missing: list[DrillType] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(1 for r in self.rows if r.status == REVIEW_OVERDUE)

    @property
    def due_soon(self) -> int:
        return sum(1 for r in self.rows if r.status == REVIEW_DUE_SOON)


@dataclass
class PlanBoard:
    schools: list[SchoolPlans] = field(default_factory=list)

    @property
    def overdue(self) -> list[PlanRow]:
        return [r for s in self.schools for r in s.rows if r.status == REVIEW_OVERDUE]

    @property
    def due_soon(self) -> list[PlanRow]:
        return [r for s in self.schools for r in s.rows if r.status == REVIEW_DUE_SOON]

    @property
    def missing(self) -> list[tuple[School, DrillType]]:
        return [(s.school, t) for s in self.schools for t in s.missing]


def plan_board(*, user, station: Station | None = None, school: School | None = None, today=None) -> PlanBoard:
    """Per visible active school: its plans with current version and review status, and missing scenarios.

    A scenario is missing when one of the school's applicable drill rules requires its drill type and the
    school has no plan with at least one version for it.
    """
    today = today or timezone.localdate()
    # The board shows names, versions and dates: no outlines, plan texts or attachments are read.
    schools = (
        drill_schools_visible(user)
        .filter(active=True)
        .select_related("responsible_station")
        .defer("campus", "responsible_station__jurisdiction")
    )
    if station is not None:
        schools = schools.filter(responsible_station=station)
    if school is not None:
        schools = schools.filter(pk=school.pk)
    schools = list(schools.order_by("code"))
    by_id = {s.pk: s for s in schools}
    plans: dict[int, list[EmergencyPlan]] = {}
    for plan in (
        EmergencyPlan.objects.filter(school__in=schools)
        .select_related("scenario")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=EmergencyPlanVersion.objects.order_by("-version").defer("text"),
                to_attr="version_list",
            )
        )
    ):
        plan.school = by_id[plan.school_id]  # the school already read, outline deferred
        plans.setdefault(plan.school_id, []).append(plan)
    rules = rules_active()
    board = PlanBoard()
    for s in schools:
        entry = SchoolPlans(school=s)
        covered: set[int] = set()
        for plan in sorted(plans.get(s.pk, []), key=lambda p: p.scenario.name):
            current = plan_current(plan)
            entry.rows.append(
                PlanRow(plan, current, review_status(current.review_due if current else None, today=today))
            )
            if current is not None:
                covered.add(plan.scenario_id)
        entry.missing = [t for t in required_scenarios(s, rules) if t.pk not in covered]
        board.schools.append(entry)
    return board


def recordable_schools(user) -> QuerySet[School]:
    """Schools the user may upload plan versions for (RECORD_DRILLS; school staff: their own)."""
    if not can(user, Capability.RECORD_DRILLS):
        return School.objects.none()
    scope = scope_of(user)
    if scope.registry_county:
        return School.objects.filter(active=True)
    return scope.filter_schools(School.objects.all(), school=None)


# --- the service ---------------------------------------------------------------------------------


def _outdated_message(plan: EmergencyPlan, current: EmergencyPlanVersion, problem: str) -> str:
    return _(
        "%(problem)s The current version of “%(plan)s” is version %(version)d, effective %(effective)s, "
        "approved %(approved)s; a new version must be numbered %(next)d or higher and dated no earlier."
    ) % {
        "problem": problem,
        "plan": plan.title,
        "version": current.version,
        "effective": current.effective_date.isoformat(),
        "approved": current.approved_on.isoformat(),
        "next": current.version + 1,
    }


def check_plan_version(
    *,
    plan: EmergencyPlan | None,
    version: int,
    effective_date: dt.date,
    approved_on: dt.date,
    review_due: dt.date,
    approved_by: str,
    text: str,
    has_document: bool,
    today: dt.date,
) -> None:
    """Raise ``PlanVersionOutdated`` (older than the current version) or ``ValidationError`` (field -> messages)."""
    current = plan_current(plan) if plan is not None and plan.pk else None
    if current is not None:
        if version <= current.version:
            raise PlanVersionOutdated(
                _outdated_message(
                    plan, current, _("Version %(version)d is not newer than the current one.") % {"version": version}
                ),
                details=[{"field": "version", "current_version": current.version}],
            )
        if effective_date < current.effective_date:
            raise PlanVersionOutdated(
                _outdated_message(
                    plan,
                    current,
                    _("The effective date %(date)s is before the current version's.")
                    % {"date": effective_date.isoformat()},
                ),
                details=[{"field": "effective_date", "current_version": current.version}],
            )
        if approved_on < current.approved_on:
            raise PlanVersionOutdated(
                _outdated_message(
                    plan,
                    current,
                    _("The approval date %(date)s is before the current version's.")
                    % {"date": approved_on.isoformat()},
                ),
                details=[{"field": "approved_on", "current_version": current.version}],
            )
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if version < 1:
        add("version", _("The version number must be 1 or more."))
    if not approved_by.strip():
        add("approved_by", _("Say who approved this version."))
    if approved_on > today:
        add(
            "approved_on",
            _("The approval date %(date)s is in the future; record a version once it is approved.")
            % {"date": approved_on.isoformat()},
        )
    if review_due <= approved_on:
        add(
            "review_due",
            _("The review date %(due)s must be after the approval date %(approved)s.")
            % {"due": review_due.isoformat(), "approved": approved_on.isoformat()},
        )
    if effective_date < approved_on:
        add(
            "effective_date",
            _("The version cannot take effect (%(effective)s) before it was approved (%(approved)s).")
            % {"effective": effective_date.isoformat(), "approved": approved_on.isoformat()},
        )
    if not text.strip() and not has_document:
        add("text", _("Give the plan's text or upload its document (or both)."))
    if errors:
        raise ValidationError(errors)


def default_review_due(approved_on: dt.date) -> dt.date:
    """A year after approval (28 February when approved on 29 February)."""
    try:
        return approved_on.replace(year=approved_on.year + 1)
    except ValueError:
        return approved_on.replace(year=approved_on.year + 1, day=28)


@transaction.atomic
def plan_version_add(
    *,
    plan: EmergencyPlan | None = None,
    school: School | None = None,
    scenario: DrillType | None = None,
    title: str = "",
    version: int,
    effective_date: dt.date,
    text: str = "",
    document=None,
    approved_by: str,
    approved_on: dt.date,
    review_due: dt.date | None = None,
    change_note: str = "",
    actor,
) -> EmergencyPlanVersion:
    """Add a version to ``plan``, or to the plan of ``school`` for ``scenario`` (created with ``title``).

    ``document`` is an uploaded file (PDF/DOCX/XLSX/TXT, checked by ``drills.files``). Raises
    ``NotAllowed`` (no RECORD_DRILLS, or school staff for another school), ``PlanVersionOutdated`` (not
    newer than the current version) or ``ValidationError``; nothing is written on any error.
    """
    if plan is None:
        if school is None or scenario is None:
            raise ValidationError({"scenario": [_("Choose the school and the scenario of the plan.")]})
        plan = EmergencyPlan.objects.filter(school=school, scenario=scenario).first()
    else:
        school = plan.school
    check_school_scope(actor=actor, school=school, capability=Capability.RECORD_DRILLS, what=_("upload plan versions"))
    if plan is not None:
        # Lock the plan so two uploads cannot both become "the next version".
        plan = (
            EmergencyPlan.objects.select_for_update(of=("self",)).select_related("school", "scenario").get(pk=plan.pk)
        )
    text = text or ""
    title = (title or "").strip()
    review_due = review_due or default_review_due(approved_on)
    check_plan_version(
        plan=plan,
        version=version,
        effective_date=effective_date,
        approved_on=approved_on,
        review_due=review_due,
        approved_by=approved_by or "",
        text=text,
        has_document=document is not None,
        today=timezone.localdate(),
    )
    attachment = _document_attachment(document, actor) if document is not None else None
    if plan is None:
        if not title:
            raise ValidationError({"title": [_("Give the plan a title.")]})
        plan = EmergencyPlan(school=school, scenario=scenario, title=title)
        plan.full_clean()
        try:
            with transaction.atomic():
                plan.save()
        except IntegrityError:
            raise Conflict(
                _("A plan for this school and scenario was just created; reload and add a version.")
            ) from None
        audit_record(actor=actor, action="emergency_plan.create", obj=plan, after=snapshot(plan))
    elif title and title != plan.title:
        before = snapshot(plan)
        plan.title = title
        plan.full_clean()
        plan.save(update_fields=["title"])
        audit_record(actor=actor, action="emergency_plan.update", obj=plan, before=before, after=snapshot(plan))
    row = EmergencyPlanVersion(
        plan=plan,
        version=version,
        effective_date=effective_date,
        text=text,
        approved_by=approved_by.strip(),
        approved_on=approved_on,
        review_due=review_due,
        change_note=(change_note or "").strip(),
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )
    # uploaded_by stays empty when the system acts (commands, sample data).
    row.full_clean(exclude=["uploaded_by"], validate_constraints=False)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise Conflict(
            _("Version %(version)d of this plan was just added by someone else; reload the plan.")
            % {"version": version}
        ) from None
    if attachment is not None:
        attachment.plan_version = row
        attachment.full_clean(exclude=["uploaded_by"])
        attachment.save()
    audit_record(
        actor=actor,
        action="emergency_plan.version_add",
        obj=row,
        after={**snapshot(row, fields=[f for f in _AUDITED if f]), "document": attachment.name if attachment else None},
    )
    return row


_AUDITED = ["plan", "version", "effective_date", "approved_by", "approved_on", "review_due", "change_note"]


def _document_attachment(upload, actor) -> Attachment:
    """The checked, unsaved document attachment (a ``DomainError`` naming the file when it is refused)."""
    from drills.files import attachment_from_upload

    return attachment_from_upload(upload=upload, kind=Attachment.Kind.DOCUMENT, actor=actor)


def plan_next_version(plan: EmergencyPlan | None) -> int:
    current = plan_current(plan) if plan is not None else None
    return current.version + 1 if current else 1
