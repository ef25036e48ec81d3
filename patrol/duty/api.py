"""API of the duty day under /api/patrol/: the board snapshot, statistics, check-in and check-out."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from common.errors import DomainError
from common.permissions import HasCapability
from common.roles import Capability
from patrol.duty import selectors, services, stats
from patrol.duty.params import board_params, stats_params
from patrol.duty.serializers import CheckInSerializer, PositionSerializer

ANY_DICT = inline_serializer("DutyBoard", {"date": serializers.DateField(), "counts": serializers.DictField(),
                                           "shifts": serializers.ListField(child=serializers.DictField())})  # fmt: skip


class BoardApi(APIView):
    """Today's posts with the status of each person and post (the board page loads this, and on reconnect)."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_DUTY

    @extend_schema(
        parameters=[
            OpenApiParameter("date", str, description="YYYY-MM-DD, default today."),
            OpenApiParameter(
                "station",
                int,
                description="Only this station's schools; 0 for the schools without a station; empty for the "
                "county (default: a station officer's own station).",
            ),
        ],
        responses=ANY_DICT,
    )
    def get(self, request):
        day, station_id = board_params(request, request.query_params)
        return Response(selectors.board_for(user=request.user, date=day, station_id=station_id).as_dict())


class StatsApi(APIView):
    """Coverage statistics per school, station and week over a date range (default the current week)."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_DUTY

    @extend_schema(
        parameters=[
            OpenApiParameter("start", str, description="YYYY-MM-DD, default this Monday."),
            OpenApiParameter("end", str, description="YYYY-MM-DD, default this Sunday."),
            OpenApiParameter("term", str, description="Term id, or 'all'; default the current term."),
            OpenApiParameter("station", int),
        ],
        responses=inline_serializer("DutyStats", {"total": serializers.DictField()}),
    )
    def get(self, request):
        params = stats_params(request, request.query_params)
        if params["end"] < params["start"]:
            raise DomainError(
                f"The range ends on {params['end']}, before it starts on {params['start']}.", code="invalid"
            )
        return Response(stats.duty_stats(user=request.user, **params).as_dict())


class _OwnDutyApi(APIView):
    permission_classes = [HasCapability]
    required_capability = Capability.STAND_DUTY

    def assignment(self, pk: int):
        assignment = selectors.assignments_visible(self.request.user).filter(pk=pk).first()
        if assignment is None:
            raise Http404
        return assignment


class CheckInApi(_OwnDutyApi):
    """Check in to one's own duty from a WGS-84 position; a reason is needed away from the gate."""

    @extend_schema(request=PositionSerializer, responses=CheckInSerializer)
    def post(self, request, pk: int):
        body = PositionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        checkin = services.duty_check_in(
            assignment=self.assignment(pk),
            actor=request.user,
            lat=data.get("lat"),
            lon=data.get("lon"),
            accuracy_m=data.get("accuracy_m"),
            reason=data.get("reason", ""),
        )
        return Response(CheckInSerializer(checkin).data)


class CheckOutApi(_OwnDutyApi):
    """Check out of one's own duty."""

    @extend_schema(request=PositionSerializer, responses=CheckInSerializer)
    def post(self, request, pk: int):
        body = PositionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        checkin = services.duty_check_out(
            assignment=self.assignment(pk),
            actor=request.user,
            lat=data.get("lat"),
            lon=data.get("lon"),
            reason=data.get("reason", ""),
        )
        return Response(CheckInSerializer(checkin).data)
