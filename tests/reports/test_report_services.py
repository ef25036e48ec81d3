"""Drafts, countermeasures, issuing versions (immutable, audited) and targets, through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from common.errors import Conflict, NotAllowed
from common.models import AuditLogEntry
from reports import services
from reports.models import COUNTERMEASURES_MAX_CHARS, Metric, Report, ReportVersion, ReportVersionImmutable, Target
from tests.incidents.factories import IncidentFactory
from tests.reports.conftest import OCTOBER, local


def test_draft_holds_the_figures_and_is_audited(county, author):
    report = services.report_draft_create(actor=author, month=OCTOBER, station=None)
    assert report.snapshot["incidents"]["total"] == 4 and report.refreshed_at is not None
    entry = AuditLogEntry.objects.get(action="report.create")
    assert entry.actor == author and entry.object_id == str(report.pk)


def test_second_draft_for_the_same_month_and_scope_is_refused(county, author):
    services.report_draft_create(actor=author, month=OCTOBER, station=county["north"])
    with pytest.raises(Conflict, match="exists already"):
        services.report_draft_create(actor=author, month=OCTOBER, station=county["north"])
    services.report_draft_create(actor=author, month=OCTOBER, station=None)  # the county's is another report
    assert Report.objects.count() == 2


def test_rejects_a_month_that_has_not_begun(county, author):
    next_month = (timezone.localdate().replace(day=28) + dt.timedelta(days=5)).replace(day=1)
    with pytest.raises(services.ReportInvalid, match="has not begun"):
        services.report_draft_create(actor=author, month=next_month, station=None)
    assert not Report.objects.exists()


def test_readers_cannot_write(county, leader, north_head):
    for user in (leader, north_head):
        with pytest.raises(NotAllowed):
            services.report_draft_create(actor=user, month=OCTOBER, station=None)
    assert not Report.objects.exists()


def test_countermeasures_too_long_are_refused_and_nothing_is_saved(county, author):
    report = services.report_draft_create(actor=author, month=OCTOBER, station=None)
    with pytest.raises(services.ReportInvalid, match="at most"):
        services.report_countermeasures_save(actor=author, report=report, text="x" * (COUNTERMEASURES_MAX_CHARS + 1))
    report.refresh_from_db()
    assert report.countermeasures == ""


def test_issue_needs_countermeasures(county, author):
    report = services.report_draft_create(actor=author, month=OCTOBER, station=None)
    with pytest.raises(services.ReportInvalid, match="countermeasures"):
        services.report_issue(actor=author, report=report)
    assert not ReportVersion.objects.exists()


def test_issued_versions_are_numbered_frozen_and_audited(county, author):
    report = services.report_draft_create(actor=author, month=OCTOBER, station=None)
    services.report_countermeasures_save(actor=author, report=report, text="加强校门口高峰勤务。")
    v1 = services.report_issue(actor=author, report=report)
    # A late report arrives; the draft is refreshed and rewritten, then issued again.
    created = local("2026-10-20 08:00")
    IncidentFactory(school=county["schools"][1], created_at=created, occurred_at=created, category="intruder")
    services.report_refresh(actor=author, report=report)
    services.report_countermeasures_save(actor=author, report=report, text="Second text")
    v2 = services.report_issue(actor=author, report=report)

    v1.refresh_from_db()
    assert (v1.number, v2.number) == (1, 2)
    assert v1.snapshot["incidents"]["total"] == 4 and v1.countermeasures == "加强校门口高峰勤务。"
    assert v2.snapshot["incidents"]["total"] == 5 and v2.countermeasures == "Second text"
    assert v1.issued_by == author
    issues = AuditLogEntry.objects.filter(action="report.issue").order_by("id")
    assert [e.after["version"] for e in issues] == [1, 2]
    assert AuditLogEntry.objects.filter(action="report.refresh").count() == 1


def test_an_issued_version_cannot_be_changed_or_deleted(county, author):
    report = services.report_draft_create(actor=author, month=OCTOBER, station=None)
    services.report_countermeasures_save(actor=author, report=report, text="Text")
    version = services.report_issue(actor=author, report=report)
    version.countermeasures = "Rewritten"
    with pytest.raises(ReportVersionImmutable):
        version.save()
    with pytest.raises(ReportVersionImmutable):
        version.delete()
    assert ReportVersion.objects.get().countermeasures == "Text"


def test_targets_default_override_and_removal(county, admin):
    services.target_set(actor=admin, metric=Metric.SATISFACTION_PCT, station=None, value=95)
    services.target_set(actor=admin, metric=Metric.SATISFACTION_PCT, station=county["south"], value=80)
    services.target_set(actor=admin, metric=Metric.SATISFACTION_PCT, station=None, value=96)
    assert Target.objects.get(metric=Metric.SATISFACTION_PCT, station=None).value == 96
    services.target_set(actor=admin, metric=Metric.SATISFACTION_PCT, station=county["south"], value=None)
    assert not Target.objects.filter(metric=Metric.SATISFACTION_PCT, station__isnull=False).exists()
    actions = list(
        AuditLogEntry.objects.filter(action__startswith="report.target").order_by("id").values_list("action", flat=True)
    )
    assert actions == ["report.target.create", "report.target.create", "report.target.update", "report.target.delete"]


def test_target_rejects_percentages_over_100_and_unknown_metrics(county, admin, leader):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.target_set(actor=admin, metric=Metric.SATISFACTION_PCT, station=None, value=120)
    with pytest.raises(services.ReportInvalid, match="not a metric"):
        services.target_set(actor=admin, metric="bogus", station=None, value=1)
    with pytest.raises(NotAllowed):
        services.target_set(actor=leader, metric=Metric.INCIDENTS, station=None, value=1)
    assert not Target.objects.filter(metric__in=[Metric.SATISFACTION_PCT, "bogus", Metric.INCIDENTS]).exists()
