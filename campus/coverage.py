"""一校一警 coverage report: page, API and XLSX export over ``selectors.coverage_report``."""

from __future__ import annotations

from collections.abc import Iterable

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from campus import selectors
from campus.models import Station
from campus.templatetags.campus_tags import PROBLEMS
from common.exports import Export, export_view
from common.permissions import HasCapability, capability_required
from common.roles import Capability
from common.xlsx import XlsxBook

TOTAL_FIELDS = (
    "schools",
    "covered",
    "uncovered",
    "needs_reassignment",
    "contradictions",
    "officers",
    "officers_over_limit",
    "unpaired",
)


def _station_param(value: str | None) -> Station | None:
    if value and value.isdigit():
        return Station.objects.filter(pk=int(value)).first()
    return None


def _row_dict(row: selectors.StationCoverage) -> dict:
    data = {name: getattr(row, name) for name in TOTAL_FIELDS}
    data["coverage_pct"] = row.coverage_pct
    if row.station is not None:
        data["station"] = {"id": row.station.id, "code": row.station.code, "name": row.station.name}
    else:
        data["station"] = None
    return data


def _school_brief(school) -> dict:
    station = school.responsible_station
    return {"id": school.id, "code": school.code, "name": school.name, "station": station.name if station else None}


def _assignment_brief(assignment, problem: str | None) -> dict:
    officer = assignment.officer
    return {
        "assignment_id": assignment.id,
        "school": _school_brief(assignment.school),
        "officer": {
            "id": officer.id,
            "badge_no": officer.badge_no,
            "name": officer.name,
            "station": officer.station.name if officer.station else None,
            "active": officer.active,
        },
        "problem": problem,
        "override_reason": assignment.override_reason,
    }


def report_as_dict(report: selectors.CoverageReport) -> dict:
    return {
        "county": _row_dict(report.county),
        "stations": [_row_dict(row) for row in report.stations],
        "uncovered": [_school_brief(s) for s in report.uncovered],
        "needs_reassignment": [_assignment_brief(a, p) for a, p in report.needs_reassignment],
        "contradictions": [_assignment_brief(a, p) for a, p in report.contradictions],
        "overridden": [_assignment_brief(a, None) for a in report.overridden],
        "officers_over_limit": [
            {
                "id": o.id,
                "badge_no": o.badge_no,
                "name": o.name,
                "station": o.station.name,
                "schools": load,
                "limit": limit,
            }
            for o, load, limit in report.over_limit
        ],
        "unpaired": [_school_brief(s) for s in report.unpaired],
        "outside_jurisdictions": [_school_brief(s) for s in report.outside],
    }


@capability_required(Capability.VIEW_COVERAGE)
def coverage_page(request):
    station = _station_param(request.GET.get("station"))
    report = selectors.coverage_report(station=station)
    return render(
        request,
        "campus/coverage.html",
        {"report": report, "station": station, "stations": Station.objects.all(), "problems": PROBLEMS},
    )


@export_view
@capability_required(Capability.VIEW_COVERAGE)
def coverage_export(request):
    """The report as an XLSX workbook: one sheet for the totals, one per list."""
    station = _station_param(request.GET.get("station"))
    stamp = timezone.localtime().strftime("%Y%m%d")
    return Export(
        kind="coverage",
        fmt="xlsx",
        build=lambda token: coverage_xlsx(station=station, token=token),
        filename=f"coverage-{stamp}.xlsx",
        params={"station": station.pk if station else None},
    )


def coverage_xlsx(*, station: Station | None, token=None) -> bytes:
    """The coverage report of the county (or one ``station``) as XLSX; rows counted on ``token``."""
    data = report_as_dict(selectors.coverage_report(station=station))
    book = XlsxBook(token)
    totals = book.sheet(
        _("Totals"),
        [_("Station"), _("Schools"), _("Covered"), _("No liaison"), _("Needs reassignment"),
         _("Contradict jurisdiction"), _("Police officers"), _("Officers over limit"), _("No paired department"),
         _("Coverage %")],
    )  # fmt: skip
    for row in [*data["stations"], {**data["county"], "station": {"name": _("County")}}]:
        totals.append(
            [
                (row["station"] or {}).get("name", _("Outside every jurisdiction")),
                *[row[name] for name in TOTAL_FIELDS],
                row["coverage_pct"],
            ]
        )

    def sheet(title: str, header: list[str], rows: Iterable[list]) -> None:
        page = book.sheet(title, header)
        for r in rows:
            page.append(r)

    sheet(
        _("No liaison"),
        [_("Code"), _("School"), _("Station")],
        ([s["code"], s["name"], s["station"]] for s in data["uncovered"]),
    )
    for key, title in (
        ("needs_reassignment", _("Needs reassignment")),
        ("contradictions", _("Contradict jurisdiction")),
    ):
        sheet(
            title,
            [_("Code"), _("School"), _("Officer"), _("Badge"), _("Officer's station"), _("Problem")],
            (
                [
                    a["school"]["code"],
                    a["school"]["name"],
                    a["officer"]["name"],
                    a["officer"]["badge_no"],
                    a["officer"]["station"],
                    str(PROBLEMS.get(a["problem"], ("", a["problem"]))[1]),
                ]
                for a in data[key]
            ),
        )
    sheet(
        _("Officers over limit"),
        [_("Badge"), _("Officer"), _("Station"), _("Schools"), _("Limit")],
        ([o["badge_no"], o["name"], o["station"], o["schools"], o["limit"]] for o in data["officers_over_limit"]),
    )
    sheet(
        _("No paired department"),
        [_("Code"), _("School"), _("Station")],
        ([s["code"], s["name"], s["station"]] for s in data["unpaired"]),
    )
    return book.content()


class CoverageApi(APIView):
    """Schools without a liaison, assignments needing reassignment or contradicting jurisdiction,
    officers over the limit, per-station and county totals."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_COVERAGE

    @extend_schema(
        parameters=[OpenApiParameter("station", int, description="Limit the report to one station.")],
        responses=inline_serializer(
            "CoverageReport",
            {
                "county": serializers.DictField(),
                "stations": serializers.ListField(child=serializers.DictField()),
                "uncovered": serializers.ListField(child=serializers.DictField()),
                "needs_reassignment": serializers.ListField(child=serializers.DictField()),
                "contradictions": serializers.ListField(child=serializers.DictField()),
                "overridden": serializers.ListField(child=serializers.DictField()),
                "officers_over_limit": serializers.ListField(child=serializers.DictField()),
                "unpaired": serializers.ListField(child=serializers.DictField()),
                "outside_jurisdictions": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    def get(self, request):
        station = _station_param(request.query_params.get("station"))
        return Response(report_as_dict(selectors.coverage_report(station=station)))
