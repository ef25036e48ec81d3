"""Reads for drills: what a user may see, terms, the liaison officer of a school."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone

from campus.models import LiaisonAssignment, Officer, School, SchoolStaff, Term
from campus.scope import scope_of
from campus.selectors import school_list_visible
from common.roles import Capability, can
from drills.models import Attachment, CorrectiveAction, Drill, DrillType, Reminder


def drill_schools_visible(user) -> QuerySet[School]:
    """Schools whose drills the user may see (school staff: their own school only)."""
    if not can(user, Capability.VIEW_DRILLS):
        return School.objects.none()
    return school_list_visible(user)


def drill_schools_recordable(user) -> QuerySet[School]:
    """Schools the user may plan and record drills for (RECORD_DRILLS): the registry scope, all for the
    police roles that hold it (admin, scheduler), their own for staff."""
    if not can(user, Capability.RECORD_DRILLS):
        return School.objects.none()
    return school_list_visible(user)


def drills_visible(user) -> QuerySet[Drill]:
    """VIEW_DRILLS, within the registry scope (``campus.scope``)."""
    qs = Drill.objects.select_related("school", "drill_type")
    if not can(user, Capability.VIEW_DRILLS):
        return qs.none()
    return scope_of(user).filter_schools(qs, school="school")


def corrective_actions_visible(user) -> QuerySet[CorrectiveAction]:
    qs = CorrectiveAction.objects.select_related("drill", "drill__school", "drill__drill_type")
    if not can(user, Capability.VIEW_DRILLS):
        return qs.none()
    return scope_of(user).filter_schools(qs, school="drill__school")


def attachments_visible(user) -> QuerySet[Attachment]:
    """Attachments of drills, plan versions and activities of schools the user may see."""
    schools = drill_schools_visible(user)
    from django.db.models import Q

    return Attachment.objects.filter(
        Q(drill__school__in=schools) | Q(plan_version__plan__school__in=schools) | Q(activity__school__in=schools)
    )


def drill_types_active() -> QuerySet[DrillType]:
    return DrillType.objects.filter(active=True)


def term_for_date(day: dt.date) -> Term | None:
    """The county term containing ``day``, else None (holidays between terms)."""
    return Term.objects.filter(start_date__lte=day, end_date__gte=day).order_by("start_date").first()


def term_default(today: dt.date | None = None) -> Term | None:
    """The current term, else the next one, else the latest one."""
    today = today or timezone.localdate()
    return (
        term_for_date(today)
        or Term.objects.filter(start_date__gt=today).order_by("start_date").first()
        or Term.objects.order_by("-start_date").first()
    )


def liaison_officer(school: School) -> Officer | None:
    assignment = (
        LiaisonAssignment.objects.filter(school=school, ended_at__isnull=True).select_related("officer").first()
    )
    return assignment.officer if assignment else None


def school_staff_users(school: School) -> list:
    """Active user accounts of the school's safety staff."""
    user_ids = SchoolStaff.objects.filter(school=school).values("user_id")
    return list(get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("pk"))


def reminders_for(user) -> QuerySet[Reminder]:
    return Reminder.objects.filter(user=user).order_by("-sent_at", "-id")


def school_registered_on(*, schools: list[School]) -> dict[int, dt.date]:
    """The local date each school entered the registry, for the schools the records tell it of. One query.

    Two records say when: the audit entry of a school created in the registry pages
    (``school.create``, by primary key: exact), else the latest applied school import whose report
    lists the school's code as created (by code: a code created again was deleted in between, so the
    latest creation is this school's). Schools with neither (loaded before the log, or by the sample
    loader) are left out: their compliance counts from the start of the term as before.
    """
    from django.db.models import JSONField, Value

    from campus.import_kinds import RegistryKind
    from common.audit import object_type_aliases
    from common.models import AuditLogEntry
    from imports.models import ImportBatch

    if not schools:
        return {}
    created = AuditLogEntry.objects.filter(
        object_type__in=object_type_aliases("campus.school"),
        action="school.create",
        object_id__in=[str(school.pk) for school in schools],
    ).values_list("object_id", "at", Value(None, output_field=JSONField()))
    # No ORDER BY inside a UNION (the models' default orderings): the rows are merged below.
    imported = ImportBatch.objects.filter(
        kind=RegistryKind.SCHOOLS, status=ImportBatch.Status.APPLIED, created_count__gt=0, applied_at__isnull=False
    ).values_list(Value(""), "applied_at", "report")
    audited: dict[int, dt.datetime] = {}
    by_code: dict[str, dt.datetime] = {}
    for object_id, at, report in created.order_by().union(imported.order_by(), all=True):
        if report is None:
            audited[int(object_id)] = min(at, audited.get(int(object_id), at))
            continue
        for row in report.get("rows", []):
            if row.get("action") == "create" and at >= by_code.get(row.get("key"), at):
                by_code[row["key"]] = at
    found = {school.pk: by_code[school.code] for school in schools if school.code in by_code}
    found.update(audited)
    return {pk: timezone.localtime(at).date() for pk, at in found.items()}
