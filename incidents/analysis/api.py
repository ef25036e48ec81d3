"""The monthly analysis as JSON, and the hot-spot layers for its map."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.permissions import HasCapability
from common.roles import Capability
from incidents.analysis import params as analysis_params
from incidents.analysis import selectors as analysis_selectors

PARAMETERS = [
    OpenApiParameter("month", str, description="The month, YYYY-MM (local time); default: the current month."),
    OpenApiParameter("station", int, description="Only incidents routed to this station (default: the county)."),
]
_ROWS = serializers.ListField(child=serializers.DictField())


class MonthAnalysisApi(APIView):
    """Counts by category (with the previous month), severity, status, school, station, hour and weekday;
    acknowledgement and resolution times (median, 90th percentile, still open) per severity; satisfaction,
    rectification items, escalations, overdue counts, and the month's incidents. Bad ``month`` or
    ``station``: 400 naming the parameter."""

    permission_classes = [HasCapability]
    required_capability = Capability.ANALYZE_INCIDENTS

    @extend_schema(
        parameters=PARAMETERS,
        responses=inline_serializer(
            "IncidentMonthAnalysis",
            {
                "month": serializers.CharField(),
                "station": serializers.DictField(allow_null=True),
                "total": serializers.IntegerField(),
                "previous_total": serializers.IntegerField(),
                "total_delta": serializers.IntegerField(),
                "by_category": _ROWS,
                "by_severity": _ROWS,
                "by_status": _ROWS,
                "by_school": _ROWS,
                "by_station": _ROWS,
                "by_hour": _ROWS,
                "by_weekday": _ROWS,
                "ack_times": _ROWS,
                "resolve_times": _ROWS,
                "satisfaction": serializers.DictField(),
                "rectifications": serializers.DictField(),
                "escalations": serializers.DictField(),
                "overdue": serializers.DictField(),
                "incidents": _ROWS,
            },
        ),
    )
    def get(self, request: Request) -> Response:
        month = analysis_params.parse_month(request.query_params.get("month"))
        station = analysis_params.parse_station(request.query_params.get("station"))
        return Response(analysis_selectors.month_analysis(month=month, station=station).as_dict())


class MonthHotspotsApi(APIView):
    """GeoJSON (WGS-84) for the month's hot-spot map: each incident at its own point, else its gate, else its
    school; and each school with its incident count."""

    permission_classes = [HasCapability]
    required_capability = Capability.ANALYZE_INCIDENTS

    @extend_schema(
        parameters=PARAMETERS,
        responses=inline_serializer(
            "IncidentHotspots",
            {
                "month": serializers.CharField(),
                "incidents": serializers.DictField(help_text="GeoJSON FeatureCollection of points"),
                "schools": serializers.DictField(help_text="GeoJSON FeatureCollection, properties.count"),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        month = analysis_params.parse_month(request.query_params.get("month"))
        station = analysis_params.parse_station(request.query_params.get("station"))
        return Response(analysis_selectors.month_hotspots(month=month, station=station))
