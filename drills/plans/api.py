"""Plans and activities API under ``/api/drills/``: plans (list, detail, add a version), the plan board,
activities (list, detail, record) and activity counts per term.

School staff see and write only their own school (another school's plan is 404, a version or activity for
another school is 403); errors are ``{"code", "detail", "errors"}`` and nothing is written.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from campus.models import School, Station, Term
from campus.selectors import staff_school_id
from common.permissions import HasCapability
from common.roles import Capability
from drills import activities
from drills.plans import services as plans
from drills.plans.serializers import (
    ActivityInputSerializer,
    ActivitySerializer,
    PlanDetailSerializer,
    PlanSerializer,
    PlanVersionInputSerializer,
)


def _int_param(params, name: str) -> int | None:
    value = params.get(name, "")
    if not value:
        return None
    if not value.isdigit():
        raise ApiValidationError({name: [_("Give an id (a whole number).")]})
    return int(value)


class PlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Emergency plans; ``POST`` on the list adds a version (creating the plan), ``POST versions/`` on a plan."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_DRILLS
    write_capability = Capability.RECORD_DRILLS
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return plans.plans_visible(self.request.user).order_by("school__code", "scenario__name")

    def get_serializer_class(self):
        if self.action in ("create", "versions"):
            return PlanVersionInputSerializer
        if self.action == "retrieve":
            return PlanDetailSerializer
        return PlanSerializer

    def filter_queryset(self, queryset):
        params = self.request.query_params
        school = _int_param(params, "school")
        if school is not None:
            queryset = queryset.filter(school_id=school)
        station = _int_param(params, "station")
        if station is not None:
            queryset = queryset.filter(school__responsible_station_id=station)
        scenario = params.get("scenario", "")
        if scenario:
            queryset = queryset.filter(scenario__code=scenario)
        return queryset

    @extend_schema(
        parameters=[
            OpenApiParameter("school", int),
            OpenApiParameter("station", int),
            OpenApiParameter("scenario", str, description="drill type code"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _add(self, request, plan=None) -> Response:
        body = PlanVersionInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        school = data.get("school")
        if plan is None:
            if school is None:
                own = staff_school_id(request.user)
                if own is None:
                    raise ApiValidationError({"school": [_("Choose the school of the plan.")]})
                school = get_object_or_404(School, pk=own)
            if data.get("scenario") is None:
                raise ApiValidationError({"scenario": [_("Choose the scenario of the plan.")]})
        row = plans.plan_version_add(
            plan=plan,
            school=school,
            scenario=data.get("scenario"),
            title=data.get("title", ""),
            version=data["version"],
            effective_date=data["effective_date"],
            text=data.get("text", ""),
            document=data.get("document"),
            approved_by=data["approved_by"],
            approved_on=data["approved_on"],
            review_due=data.get("review_due"),
            change_note=data.get("change_note", ""),
            actor=request.user,
        )
        stored = self.get_queryset().get(pk=row.plan_id)
        out = PlanDetailSerializer(stored, context={"request": request}).data
        return Response(out, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"application/json": PlanVersionInputSerializer, "multipart/form-data": PlanVersionInputSerializer},
        responses={201: PlanDetailSerializer},
    )
    def create(self, request, *args, **kwargs):
        return self._add(request)

    @extend_schema(
        request={"application/json": PlanVersionInputSerializer, "multipart/form-data": PlanVersionInputSerializer},
        responses={201: PlanDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def versions(self, request, pk=None):
        return self._add(request, plan=self.get_object())


class PlanBoardApi(APIView):
    """Per school: plans with current version and review status, and scenarios required but missing."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_DRILLS

    @extend_schema(parameters=[OpenApiParameter("station", int)], responses={200: dict})
    def get(self, request):
        station_id = _int_param(request.query_params, "station")
        station = get_object_or_404(Station, pk=station_id) if station_id is not None else None
        board = plans.plan_board(user=request.user, station=station)
        schools = []
        for entry in board.schools:
            schools.append(
                {
                    "school": entry.school.pk,
                    "school_name": entry.school.name,
                    "plans": [
                        {
                            "plan": row.plan.pk,
                            "scenario": row.plan.scenario.code,
                            "current_version": row.current.version if row.current else None,
                            "review_due": row.current.review_due.isoformat() if row.current else None,
                            "review_status": row.status,
                        }
                        for row in entry.rows
                    ],
                    "missing_scenarios": [t.code for t in entry.missing],
                }
            )
        return Response(
            {
                "overdue": len(board.overdue),
                "due_soon": len(board.due_soon),
                "missing": len(board.missing),
                "schools": schools,
            }
        )


class ActivityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Police-school activities; filters: kind, school, station, officer, term, from, to."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_DRILLS
    write_capability = Capability.RECORD_ACTIVITIES
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return activities.activities_visible(self.request.user).order_by("-date", "-id")

    def get_serializer_class(self):
        return ActivityInputSerializer if self.action == "create" else ActivitySerializer

    def filter_queryset(self, queryset):
        return activities.activity_filters(queryset, self.request.query_params)

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str),
            OpenApiParameter("school", int),
            OpenApiParameter("station", int),
            OpenApiParameter("officer", int),
            OpenApiParameter("term", int),
            OpenApiParameter("from", str, description="YYYY-MM-DD"),
            OpenApiParameter("to", str, description="YYYY-MM-DD"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request={"application/json": ActivityInputSerializer, "multipart/form-data": ActivityInputSerializer},
        responses={201: ActivitySerializer},
    )
    def create(self, request, *args, **kwargs):
        body = ActivityInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        activity = activities.activity_record(
            kind=data["kind"],
            school=data["school"],
            date=data["date"],
            title=data["title"],
            audience=data.get("audience", 0),
            officers=data.get("officers") or None,
            station=data.get("station"),
            notes=data.get("notes", ""),
            photos=data.get("photos") or [],
            actor=request.user,
        )
        out = ActivitySerializer(self.get_queryset().get(pk=activity.pk), context={"request": request}).data
        return Response(out, status=status.HTTP_201_CREATED)


def _row(row: activities.CountRow, key: dict | None) -> dict:
    return {**(key or {}), "activities": row.total, "audience": row.audience, "by_kind": row.by_kind}


class ActivityCountsApi(APIView):
    """Activities per school, officer and station for a term (default: the current or latest term)."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_DRILLS

    @extend_schema(parameters=[OpenApiParameter("term", int), OpenApiParameter("station", int)], responses={200: dict})
    def get(self, request):
        term_id = _int_param(request.query_params, "term")
        term = get_object_or_404(Term, pk=term_id) if term_id is not None else activities.default_term()
        if term is None:
            return Response({"code": "no_term", "detail": _("No terms are set up yet.")}, status=404)
        station_id = _int_param(request.query_params, "station")
        station = get_object_or_404(Station, pk=station_id) if station_id is not None else None
        counts = activities.activity_counts(term=term, user=request.user, station=station)
        return Response(
            {
                "term": {"id": term.pk, "name": str(term), "start_date": term.start_date, "end_date": term.end_date},
                "total": _row(counts.total, None),
                "schools": [_row(r, {"school": r.key.pk, "name": r.key.name}) for r in counts.schools],
                "officers": [
                    _row(r, {"officer": r.key.pk, "name": r.key.name, "badge_no": r.key.badge_no})
                    for r in counts.officers
                ],
                "stations": [
                    _row(r, {"station": r.key.pk if r.key else None, "name": r.key.name if r.key else None})
                    for r in counts.stations
                ],
            }
        )
