"""Writes: create or refresh a draft, edit its countermeasures, issue a version, set a target.

Every command checks who may do it (``reports.access``) and records an audit entry (``common.audit``)
inside its transaction; an issued ``ReportVersion`` is never written again.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from campus.models import Station
from common.audit import audit_record, snapshot
from common.errors import Conflict, DomainError, NotAllowed
from reports.access import may_author_reports, may_edit_targets
from reports.figures import report_figures
from reports.models import COUNTERMEASURES_MAX_CHARS, Metric, Report, ReportVersion, Target


class ReportInvalid(DomainError):
    code = "report_invalid"


def _check_author(actor) -> None:
    if not may_author_reports(actor):
        raise NotAllowed(_("Only the bureau administrator and the patrol brigade scheduler write reports."))


def check_report_month(month: dt.date, *, today: dt.date | None = None) -> None:
    today = today or timezone.localdate()
    if month.day != 1:
        raise ReportInvalid(_("A report covers a whole month: give its first day."))
    if month > today.replace(day=1):
        raise ReportInvalid(
            _("The month %(month)s has not begun yet: a report can cover the current month or an earlier one.")
            % {"month": f"{month:%Y-%m}"}
        )


@transaction.atomic
def report_draft_create(*, actor, month: dt.date, station: Station | None, now: dt.datetime | None = None) -> Report:
    """The draft of ``month`` for the county (``station`` None) or one station, with its figures computed."""
    _check_author(actor)
    now = now or timezone.now()
    check_report_month(month, today=timezone.localdate(now))
    if Report.objects.filter(month=month, station=station).exists():
        raise Conflict(
            _("A report for %(month)s (%(scope)s) exists already: open it and refresh its figures.")
            % {"month": f"{month:%Y-%m}", "scope": station.name if station else _("whole county")}
        )
    report = Report(month=month, station=station, created_by=actor if actor.pk else None)
    report.snapshot = report_figures(month=month, station=station, now=now)
    report.refreshed_at = now
    report.full_clean()
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        raise Conflict(_("A report for this month and scope was created at the same time.")) from None
    audit_record(
        actor=actor, action="report.create", obj=report, after=snapshot(report, ["month", "station", "refreshed_at"])
    )
    return report


@transaction.atomic
def report_refresh(*, actor, report: Report, now: dt.datetime | None = None) -> Report:
    """Compute the draft's figures again (issued versions keep theirs)."""
    _check_author(actor)
    now = now or timezone.now()
    report = Report.objects.select_for_update(of=("self",)).get(pk=report.pk)
    report.snapshot = report_figures(month=report.month, station=report.station, now=now)
    report.refreshed_at = now
    report.save(update_fields=["snapshot", "refreshed_at", "updated_at"])
    audit_record(actor=actor, action="report.refresh", obj=report, after={"refreshed_at": now})
    return report


@transaction.atomic
def report_countermeasures_save(*, actor, report: Report, text: str) -> Report:
    """The draft's countermeasures (对策): plain paragraphs, shown escaped."""
    _check_author(actor)
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > COUNTERMEASURES_MAX_CHARS:
        raise ReportInvalid(
            _("The countermeasures are %(length)d characters long; at most %(limit)d fit in a report.")
            % {"length": len(text), "limit": COUNTERMEASURES_MAX_CHARS}
        )
    report = Report.objects.select_for_update(of=("self",)).get(pk=report.pk)
    before = report.countermeasures
    report.countermeasures = text
    report.save(update_fields=["countermeasures", "updated_at"])
    audit_record(
        actor=actor,
        action="report.countermeasures",
        obj=report,
        before={"countermeasures": before},
        after={"countermeasures": text},
    )
    return report


@transaction.atomic
def report_issue(*, actor, report: Report, now: dt.datetime | None = None) -> ReportVersion:
    """Freeze the draft as the next version (v1, v2, ...): its figures and countermeasures as they are now."""
    _check_author(actor)
    report = Report.objects.select_for_update(of=("self",)).get(pk=report.pk)
    if not report.snapshot:
        raise ReportInvalid(_("This draft has no figures yet: refresh it before issuing."))
    if not report.countermeasures.strip():
        raise ReportInvalid(_("Write the countermeasures (对策) before issuing the report."))
    number = (report.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ReportVersion(
        report=report,
        number=number,
        snapshot=report.snapshot,
        countermeasures=report.countermeasures,
        issued_by=actor,
        issued_at=now or timezone.now(),
    )
    version.full_clean()
    version.save()
    audit_record(
        actor=actor,
        action="report.issue",
        obj=report,
        after={"version": number, "refreshed_at": report.refreshed_at, "issued_at": version.issued_at},
    )
    return version


@transaction.atomic
def target_set(*, actor, metric: str, station: Station | None, value: float | None) -> Target | None:
    """Set (or with ``value`` None, remove) the county default or one station's target for ``metric``."""
    if not may_edit_targets(actor):
        raise NotAllowed(_("Only the bureau administrator and the patrol brigade scheduler set targets."))
    if metric not in Metric.values:
        raise ReportInvalid(_("“%(metric)s” is not a metric of the scorecard.") % {"metric": str(metric)[:40]})
    existing = (
        Target.objects.select_for_update(of=("self",)).filter(metric=metric, station=station).order_by("pk").first()
    )
    before = snapshot(existing, ["metric", "station", "value"]) if existing else None
    if value is None:
        if existing is not None:
            pk, shown = existing.pk, str(existing)
            existing.delete()
            audit_record(
                actor=actor,
                action="report.target.delete",
                object_type="reports.target",
                object_id=pk,
                object_repr=shown,
                before=before,
            )
        return None
    target = existing or Target(metric=metric, station=station)
    target.value = value
    target.updated_by = actor if actor.pk else None
    target.full_clean()
    target.save()
    audit_record(
        actor=actor,
        action=f"report.target.{'update' if existing else 'create'}",
        obj=target,
        before=before,
        after=snapshot(target, ["metric", "station", "value"]),
    )
    return target
