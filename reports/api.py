"""Monthly report API under ``/api/reports/``: the reports in the caller's scope, one report with its figures,
the PDF and XLSX downloads, and for the authors create, refresh, countermeasures and issue.

Who may do what is ``reports.access`` and what a caller sees is ``reports.selectors``, as for the pages;
every write goes through ``reports.services`` (which checks and audits), every download through
``common.exports`` (limited, audited). ``?version=N`` names an issued version; without it an author gets the
draft and a reader the latest issued version (``reports.selectors.version_shown``).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from campus.models import Station
from common.errors import DomainError
from common.exports import export_view
from incidents.analysis.params import AnalysisParamError, parse_month
from incidents.models import IncidentCategory, Severity
from reports import services
from reports.access import may_author_reports, may_see_reports
from reports.models import COUNTERMEASURES_MAX_CHARS, Metric, Report, ReportVersion
from reports.rendering import pdf_available, report_export
from reports.selectors import report_for, reports_visible, version_shown


class PdfUnavailable(DomainError):
    code = "pdf_unavailable"
    http_status = 503


class ReportsAccess(BasePermission):
    """Readers read (``may_see_reports``); only authors write (``may_author_reports``)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        return may_see_reports(user) if request.method in SAFE_METHODS else may_author_reports(user)


VERSION_PARAM = OpenApiParameter(
    "version",
    int,
    description="An issued version's number. Default: the draft for an author, the latest issued version for a reader.",
)


class MonthlyReportVersionSerializer(serializers.ModelSerializer):
    issued_by = serializers.CharField(source="issued_by.get_username", read_only=True)

    class Meta:
        model = ReportVersion
        fields = ["number", "issued_by", "issued_at"]


class MonthlyReportSerializer(serializers.ModelSerializer):
    month = serializers.DateField(format="%Y-%m", read_only=True)
    station = serializers.SerializerMethodField()
    scope = serializers.CharField(source="scope_name", read_only=True)
    versions = MonthlyReportVersionSerializer(many=True, read_only=True)
    refreshed_at = serializers.SerializerMethodField(help_text="When the draft's figures were computed (authors).")

    class Meta:
        model = Report
        fields = ["id", "month", "station", "scope", "versions", "refreshed_at"]

    def get_station(self, report: Report) -> dict | None:
        if not report.station_id:
            return None
        return {"id": report.station.pk, "code": report.station.code, "name": report.station.name}

    def get_refreshed_at(self, report: Report) -> str | None:
        if not may_author_reports(self.context["request"].user) or report.refreshed_at is None:
            return None
        return serializers.DateTimeField().to_representation(report.refreshed_at)


class MonthlyReportCreateSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM: the current month or an earlier one.")
    station = serializers.PrimaryKeyRelatedField(
        queryset=Station.objects.all(), allow_null=True, required=False, help_text="Empty or null: the whole county."
    )

    def validate_month(self, value: str):
        try:
            return parse_month(value)
        except AnalysisParamError as exc:
            raise serializers.ValidationError(exc.message) from None


class MonthlyReportCountermeasuresSerializer(serializers.Serializer):
    text = serializers.CharField(
        allow_blank=True,
        max_length=COUNTERMEASURES_MAX_CHARS,
        trim_whitespace=False,
        help_text="Plain text: a blank line starts a paragraph, “# ” a heading, “- ” or “1. ” a list item.",
    )


def labels() -> dict:
    """The snapshot's keys in the caller's language (the figures keep keys, so a version reads in any)."""
    return {
        "categories": {key: str(label) for key, label in IncidentCategory.choices},
        "severities": {key: str(label) for key, label in Severity.choices},
        "metrics": {key: str(label) for key, label in Metric.choices},
    }


def report_body(request: Request, report: Report) -> dict:
    """The report with the figures and countermeasures of the version asked for (or the draft)."""
    version = version_shown(request.user, report, request.query_params.get("version"))
    source = version if version is not None else report
    return {
        **MonthlyReportSerializer(report, context={"request": request}).data,
        "shown": MonthlyReportVersionSerializer(version).data if version is not None else "draft",
        "countermeasures": source.countermeasures,
        "figures": source.snapshot,
        "labels": labels(),
    }


class ReportListApi(generics.ListCreateAPIView):
    """The monthly reports in the caller's scope, newest month first: authors see every report, drafts included;
    readers the reports with an issued version, a station officer only their own station's. ``?month=YYYY-MM``
    narrows to one month. POST (authors): the draft of a month for the county (``station`` null) or a station,
    with its figures computed now; a second report of the same month and scope is a 409."""

    permission_classes = [ReportsAccess]
    serializer_class = MonthlyReportSerializer

    def get_queryset(self):
        qs = reports_visible(self.request.user)
        month = self.request.query_params.get("month", "").strip()
        if month:
            try:
                qs = qs.filter(month=parse_month(month))
            except AnalysisParamError as exc:
                raise ApiValidationError({"month": [exc.message]}) from None
        return qs

    @extend_schema(parameters=[OpenApiParameter("month", str, description="YYYY-MM")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=MonthlyReportCreateSerializer, responses={201: MonthlyReportSerializer})
    def post(self, request: Request) -> Response:
        body = MonthlyReportCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = services.report_draft_create(
            actor=request.user, month=body.validated_data["month"], station=body.validated_data.get("station")
        )
        report = report_for(request.user, report.pk)
        return Response(
            MonthlyReportSerializer(report, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


_DETAIL = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description='The report (as in the list) with ``shown`` (the version number shown, or "draft"), '
    "``countermeasures``, ``figures`` (the snapshot the PDF and XLSX are made from: ``reports.figures``) and "
    "``labels`` (the figures' keys in the caller's language).",
)


class ReportDetailApi(APIView):
    """One report with its figures: an issued version's (``?version=N``), else the draft's for an author and
    the latest issued version's for a reader. A report outside the caller's scope is a 404."""

    permission_classes = [ReportsAccess]

    @extend_schema(parameters=[VERSION_PARAM], responses={200: _DETAIL})
    def get(self, request: Request, pk: int) -> Response:
        return Response(report_body(request, report_for(request.user, pk)))


class ReportRefreshApi(APIView):
    """Authors: compute the draft's figures again (issued versions keep theirs)."""

    permission_classes = [ReportsAccess]

    @extend_schema(request=None, responses={200: _DETAIL})
    def post(self, request: Request, pk: int) -> Response:
        services.report_refresh(actor=request.user, report=report_for(request.user, pk))
        return Response(report_body(request, report_for(request.user, pk)))


class ReportCountermeasuresApi(APIView):
    """Authors: replace the draft's countermeasures (对策). Longer than the limit: 400 and nothing saved."""

    permission_classes = [ReportsAccess]

    @extend_schema(request=MonthlyReportCountermeasuresSerializer, responses={200: _DETAIL})
    def put(self, request: Request, pk: int) -> Response:
        report = report_for(request.user, pk)
        body = MonthlyReportCountermeasuresSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.report_countermeasures_save(actor=request.user, report=report, text=body.validated_data["text"])
        return Response(report_body(request, report_for(request.user, pk)))


class ReportIssueApi(APIView):
    """Authors: issue the draft as the next version (v1, v2, ...). Without countermeasures: 400 ``report_invalid``."""

    permission_classes = [ReportsAccess]

    @extend_schema(request=None, responses={201: MonthlyReportVersionSerializer})
    def post(self, request: Request, pk: int) -> Response:
        version = services.report_issue(actor=request.user, report=report_for(request.user, pk))
        return Response(MonthlyReportVersionSerializer(version).data, status=status.HTTP_201_CREATED)


class _ReportDownloadApi(APIView):
    permission_classes = [ReportsAccess]
    fmt = ""

    @classmethod
    def as_view(cls, **initkwargs):
        """The download runs as an ``Export`` off the request thread (``common.exports.export_view``)."""
        return export_view(super().as_view(**initkwargs))

    def get(self, request: Request, pk: int):
        report = report_for(request.user, pk)
        version = version_shown(request.user, report, request.query_params.get("version"))
        if self.fmt == "pdf" and not pdf_available():
            raise PdfUnavailable(
                _("PDF output is not available on this server (WeasyPrint is not installed); download the XLSX.")
            )
        return report_export(report, version, self.fmt)


class ReportPdfApi(_ReportDownloadApi):
    """The report as PDF (A4): an issued version (``?version=N``), else as for the detail. 503 without WeasyPrint."""

    fmt = "pdf"

    @extend_schema(parameters=[VERSION_PARAM], responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int):
        return super().get(request, pk)


class ReportXlsxApi(_ReportDownloadApi):
    """The report's figures as XLSX, one sheet per section: an issued version (``?version=N``), else as for the
    detail."""

    fmt = "xlsx"

    @extend_schema(
        parameters=[VERSION_PARAM],
        responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, pk: int):
        return super().get(request, pk)
