"""Reads: the reports and versions a user may see (``reports.access``)."""

from __future__ import annotations

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from campus.scope import scope_of
from common.errors import DomainError
from reports.access import may_author_reports, may_see_reports
from reports.models import Report, ReportVersion


def reports_visible(user) -> QuerySet[Report]:
    """Authors: every report, drafts included. Readers: reports with an issued version, within their scope."""
    qs = (
        Report.objects.select_related("station", "created_by")
        .annotate(version_count=Count("versions"), last_issued_at=Max("versions__issued_at"))
        .prefetch_related(
            Prefetch("versions", queryset=ReportVersion.objects.select_related("issued_by").order_by("-number"))
        )
    )
    if not may_see_reports(user):
        return qs.none()
    if may_author_reports(user):
        return qs
    qs = qs.filter(version_count__gt=0)
    scope = scope_of(user)
    if scope.county:
        return qs
    return qs.filter(Q(station_id__in=sorted(scope.station_ids)))


def report_for(user, pk: int) -> Report:
    report = reports_visible(user).filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


def version_for(report: Report, number: int) -> ReportVersion:
    version = report.versions.select_related("issued_by").filter(number=number).first()
    if version is None:
        raise Http404
    return version


class VersionParamError(DomainError):
    code = "bad_parameter"


def version_shown(user, report: Report, value: str | None) -> ReportVersion | None:
    """The version ``?version=N`` names; without it the draft (``None``) for an author, the latest issued version
    for a reader (404 when there is none). The pages and the API both ask this."""
    value = (value or "").strip()
    if not value:
        if may_author_reports(user):
            return None
        version = latest_version(report)
        if version is None:
            raise Http404
        return version
    if not value.isdigit() or int(value) < 1:
        raise VersionParamError(
            _("The parameter “version” must be the number of an issued version (1, 2, ...), not “%(value)s”.")
            % {"value": value[:40]}
        )
    return version_for(report, int(value))


def latest_version(report: Report) -> ReportVersion | None:
    return report.versions.select_related("issued_by").order_by("-number").first()
