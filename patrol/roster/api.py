"""Roster API under /api/patrol/roster/: assignments, manual edits, swap requests, publishing.

Writes go through ``patrol.roster.services``; domain errors become ``{"code", "detail", "errors"}``.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from campus.models import Term
from common.permissions import HasCapability
from common.roles import Capability
from patrol.roster import selectors, services
from patrol.roster.serializers import (
    AssignmentAddSerializer,
    AssignmentReplaceSerializer,
    AssignmentSerializer,
    DutyBreakSerializer,
    DutyBreaksReplanSerializer,
    RemovalReasonSerializer,
    RosterSerializer,
    SwapRequestCreateSerializer,
    SwapRequestSerializer,
)


def _date_param(request, name: str) -> dt.date | None:
    value = request.query_params.get(name)
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError({name: [f"{value!r} is not a date (YYYY-MM-DD)."]}) from None


def _id_param(request, name: str) -> int | None:
    value = request.query_params.get(name)
    if not value:
        return None
    if not value.isdigit():
        raise ValidationError({name: [f"{value!r} is not an id."]})
    return int(value)


class AssignmentListApi(generics.ListCreateAPIView):
    """A term's assignments (GET; filters date_from, date_to, school, station, staff) or add one by hand (POST)."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_DUTY
    write_capability = Capability.MANAGE_DUTY
    serializer_class = AssignmentSerializer

    def get_serializer_class(self):
        return AssignmentAddSerializer if self.request.method == "POST" else AssignmentSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("date_from", dt.date),
            OpenApiParameter("date_to", dt.date),
            OpenApiParameter("school", int),
            OpenApiParameter("station", int),
            OpenApiParameter("staff", int),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        term = get_object_or_404(Term, pk=self.kwargs["term_id"])
        scope = selectors.school_scope(self.request.user)
        school = _id_param(self.request, "school")
        if scope is not False and school and school != scope:
            raise Http404
        return selectors.assignment_list(
            user=self.request.user,
            term=term,
            date_from=_date_param(self.request, "date_from"),
            date_to=_date_param(self.request, "date_to"),
            school_id=school,
            station_id=_id_param(self.request, "station"),
            staff_id=_id_param(self.request, "staff"),
        )

    @extend_schema(request=AssignmentAddSerializer, responses={201: AssignmentSerializer})
    def post(self, request, term_id: int):
        term = get_object_or_404(Term, pk=term_id)
        body = AssignmentAddSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        shift = body.validated_data["shift"]
        if shift.term_id != term.pk:
            raise ValidationError({"shift": [f"Shift {shift.pk} is not in the term {term}."]})
        assignment = services.assignment_add(
            shift=shift, staff=body.validated_data["staff"], role=body.validated_data["role"], actor=request.user
        )
        return Response(AssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)


class _AssignmentActionApi(APIView):
    permission_classes = [HasCapability]
    required_capability = Capability.MANAGE_DUTY

    def get_assignment(self, pk: int):
        assignment = selectors.assignments_visible(self.request.user).filter(pk=pk).first()
        if assignment is None:
            raise Http404
        return assignment


class AssignmentRemoveApi(_AssignmentActionApi):
    @extend_schema(request=RemovalReasonSerializer, responses={204: None})
    def post(self, request, pk: int):
        body = RemovalReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.assignment_remove(
            assignment=self.get_assignment(pk), actor=request.user, reason=body.validated_data["reason"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class AssignmentReplaceApi(_AssignmentActionApi):
    @extend_schema(request=AssignmentReplaceSerializer, responses=AssignmentSerializer)
    def post(self, request, pk: int):
        body = AssignmentReplaceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        assignment = services.assignment_replace(
            assignment=self.get_assignment(pk),
            staff=body.validated_data["staff"],
            actor=request.user,
            reason=body.validated_data["reason"],
        )
        return Response(AssignmentSerializer(selectors.assignments_visible(request.user).get(pk=assignment.pk)).data)


class PublishApi(APIView):
    permission_classes = [HasCapability]
    required_capability = Capability.MANAGE_DUTY

    @extend_schema(request=None, responses=RosterSerializer)
    def post(self, request, term_id: int):
        term = get_object_or_404(Term, pk=term_id)
        return Response(RosterSerializer(services.roster_publish(term=term, actor=request.user)).data)


class SwapListApi(generics.ListCreateAPIView):
    """Swap requests I made, addressed to me, or (schedulers) all; ``?status=pending`` filters. POST asks for one."""

    permission_classes = [HasCapability]
    required_capability = Capability.STAND_DUTY
    serializer_class = SwapRequestSerializer

    def get_queryset(self):
        qs = selectors.swap_requests_visible(self.request.user)
        wanted = self.request.query_params.get("status")
        if wanted:
            qs = qs.filter(status=wanted)
        return qs

    @extend_schema(request=SwapRequestCreateSerializer, responses={201: SwapRequestSerializer})
    def post(self, request):
        body = SwapRequestCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        swap = services.swap_request_create(actor=request.user, **body.validated_data)
        return Response(SwapRequestSerializer(swap).data, status=status.HTTP_201_CREATED)


class _SwapActionApi(APIView):
    permission_classes = [HasCapability]
    required_capability = Capability.STAND_DUTY

    def get_swap(self, pk: int):
        swap = selectors.swap_requests_visible(self.request.user).filter(pk=pk).first()
        if swap is None:
            raise Http404
        return swap


class SwapAcceptApi(_SwapActionApi):
    @extend_schema(request=None, responses=SwapRequestSerializer)
    def post(self, request, pk: int):
        swap = services.swap_request_accept(swap=self.get_swap(pk), actor=request.user)
        return Response(SwapRequestSerializer(swap).data)


class SwapRejectApi(_SwapActionApi):
    @extend_schema(request=RemovalReasonSerializer, responses=SwapRequestSerializer)
    def post(self, request, pk: int):
        body = RemovalReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        swap = services.swap_request_reject(
            swap=self.get_swap(pk), actor=request.user, reason=body.validated_data["reason"]
        )
        return Response(SwapRequestSerializer(swap).data)


class SwapCancelApi(_SwapActionApi):
    @extend_schema(request=None, responses=SwapRequestSerializer)
    def post(self, request, pk: int):
        swap = services.swap_request_cancel(swap=self.get_swap(pk), actor=request.user)
        return Response(SwapRequestSerializer(swap).data)


class DutyBreakListApi(generics.ListAPIView):
    """The term's published duties still to come that a later change broke and nobody covers yet, in the
    caller's scope (as the page ``/patrol/roster/terms/<id>/breaks/`` lists them); ``count`` is the total."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_DUTY
    serializer_class = DutyBreakSerializer

    def get_queryset(self):
        from patrol.duty.breaks import breaks_open

        term = get_object_or_404(Term, pk=self.kwargs["term_id"])
        return breaks_open(user=self.request.user, term=term).order_by("shift__start", "shift_id", "role")


class DutyBreaksReplanApi(APIView):
    """Re-plan just these (patrol brigade): only the pool-weeks holding broken duties, as on the page; the
    counts of what it did. Refused with ``no_breaks`` when there is nothing to re-plan."""

    permission_classes = [HasCapability]
    required_capability = Capability.MANAGE_DUTY

    @extend_schema(
        request=DutyBreaksReplanSerializer,
        responses=inline_serializer(
            "DutyBreaksReplanned",
            {name: serializers.IntegerField() for name in ("pieces", "released", "added", "cleared", "still_open")}
            | {"message": serializers.CharField()},
        ),
    )
    def post(self, request, term_id: int):
        from patrol.duty.breaks import duty_breaks_replan

        term = get_object_or_404(Term, pk=term_id)
        body = DutyBreaksReplanSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = duty_breaks_replan(term=term, actor=request.user, time_limit_s=body.validated_data.get("time_limit_s"))
        return Response(
            {
                "pieces": result.pieces,
                "released": result.released,
                "added": result.added,
                "cleared": result.cleared,
                "still_open": result.still_open,
                "message": result.line(),
            }
        )
