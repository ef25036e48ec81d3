"""Drill API under ``/api/drills/``: types and rules (admin write), drills (plan, record), compliance, proposals."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from campus.models import Station, Term
from common.api import ServiceSaveMixin
from common.permissions import HasCapability
from common.roles import Capability
from drills import selectors
from drills.compliance import compliance_board, school_compliance
from drills.models import Drill, DrillType
from drills.rules import drill_rule_save, drill_type_save, rules_listed
from drills.scheduling import drill_propose_dates
from drills.serializers import (
    DrillCreateSerializer,
    DrillRuleSerializer,
    DrillSerializer,
    DrillTypeSerializer,
    RecordInputSerializer,
)
from drills.services import ActionInput, drill_record, drills_plan


def _rule_save(*, rule, actor):
    return drill_rule_save(rule=rule, actor=actor)


def _type_save(*, drill_type, actor):
    return drill_type_save(drill_type=drill_type, actor=actor)


class DrillTypeViewSet(ServiceSaveMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                       mixins.UpdateModelMixin, viewsets.GenericViewSet):  # fmt: skip
    """Drill types; administrators add and edit them."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_DRILLS
    write_capability = Capability.MANAGE_DRILL_RULES
    serializer_class = DrillTypeSerializer
    queryset = DrillType.objects.all()
    save_service = staticmethod(_type_save)
    save_kwarg = "drill_type"


class DrillRuleViewSet(ServiceSaveMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                       mixins.UpdateModelMixin, viewsets.GenericViewSet):  # fmt: skip
    """Requirement rules; administrators add and edit them (impossible counts are refused)."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_DRILLS
    write_capability = Capability.MANAGE_DRILL_RULES
    serializer_class = DrillRuleSerializer
    save_service = staticmethod(_rule_save)
    save_kwarg = "rule"

    def get_queryset(self):
        return rules_listed()


def _actions(data) -> list[ActionInput]:
    return [ActionInput(a.get("description", ""), a.get("owner", ""), a.get("due_date"))
            for a in data.get("corrective_actions") or []]  # fmt: skip


class DrillViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Drills of the schools the caller may see. POST plans (``dates``) or records a held drill (``date``)."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_DRILLS
    write_capability = Capability.RECORD_DRILLS
    serializer_class = DrillSerializer

    def get_queryset(self):
        qs = selectors.drills_visible(self.request.user).prefetch_related("corrective_actions", "attachments")
        params = self.request.query_params
        if params.get("school", "").isdigit():
            qs = qs.filter(school_id=int(params["school"]))
        if params.get("status") in Drill.Status.values:
            qs = qs.filter(status=params["status"])
        return qs

    @extend_schema(request=DrillCreateSerializer, responses={201: DrillSerializer(many=True)})
    def create(self, request):
        body = DrillCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        school = data["school"]
        if not selectors.drill_schools_visible(request.user).filter(pk=school.pk).exists():
            raise Http404
        if data.get("dates"):
            drills = drills_plan(school=school, drill_type=data["drill_type"], dates=data["dates"], actor=request.user)
        else:
            drills = [
                drill_record(
                    actor=request.user,
                    school=school,
                    drill_type=data["drill_type"],
                    date=data["date"],
                    scenario=data["scenario"],
                    participants=data["participants"],
                    officers=data.get("officers", []),
                    evacuation_s=data["evacuation_s"],
                    problems=data["problems"],
                    actions=_actions(data),
                )
            ]
        return Response(DrillSerializer(drills, many=True).data, status=status.HTTP_201_CREATED)


class DrillRecordApi(APIView):
    """Record a planned drill as held."""

    permission_classes = [HasCapability]
    required_capability = Capability.RECORD_DRILLS

    @extend_schema(request=RecordInputSerializer, responses={200: DrillSerializer})
    def post(self, request, pk: int):
        drill = get_object_or_404(selectors.drills_visible(request.user), pk=pk)
        body = RecordInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        recorded = drill_record(
            actor=request.user,
            school=drill.school,
            drill=drill,
            drill_type=data.get("drill_type") or drill.drill_type,
            date=data["date"],
            scenario=data["scenario"],
            participants=data["participants"],
            officers=data.get("officers", []),
            evacuation_s=data["evacuation_s"],
            problems=data["problems"],
            actions=_actions(data),
        )
        return Response(DrillSerializer(recorded).data)


def _term_param(request) -> Term:
    value = request.query_params.get("term", "")
    if value:
        if not value.isdigit():
            raise ApiValidationError({"term": [_("Give the term's id.")]})
        return get_object_or_404(Term, pk=int(value))
    term = selectors.term_default()
    if term is None:
        raise ApiValidationError({"term": [_("No term is configured.")]})
    return term


class ComplianceApi(APIView):
    """Compliance for one school (``?school=``), one station (``?station=``) or the county, for a term."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_DRILLS

    @extend_schema(
        parameters=[OpenApiParameter("school", int), OpenApiParameter("station", int), OpenApiParameter("term", int)],
        responses={200: dict},
    )
    def get(self, request):
        term = _term_param(request)
        today = timezone.localdate()
        schools = selectors.drill_schools_visible(request.user).filter(active=True)
        school_id = request.query_params.get("school", "")
        station_id = request.query_params.get("station", "")
        if school_id:
            school = get_object_or_404(schools, pk=int(school_id)) if school_id.isdigit() else None
            if school is None:
                raise ApiValidationError({"school": [_("Give the school's id.")]})
            return Response(school_compliance(school=school, term=term, today=today).as_dict())
        if station_id:
            if not station_id.isdigit():
                raise ApiValidationError({"station": [_("Give the station's id.")]})
            station = get_object_or_404(Station, pk=int(station_id))
            schools = schools.filter(responsible_station=station)
        return Response(compliance_board(term=term, today=today, schools=schools).as_dict())


class ProposalsApi(APIView):
    """Proposed dates for the drills of a type a school still has to hold in a term."""

    permission_classes = [HasCapability]
    required_capability = Capability.RECORD_DRILLS

    @extend_schema(
        parameters=[
            OpenApiParameter("school", int, required=True),
            OpenApiParameter("drill_type", int, required=True),
            OpenApiParameter("term", int),
            OpenApiParameter("count", int),
        ],  # fmt: skip
        responses={200: dict},
    )
    def get(self, request):
        params = request.query_params
        if not params.get("school", "").isdigit():
            raise ApiValidationError({"school": [_("Give the school's id.")]})
        if not params.get("drill_type", "").isdigit():
            raise ApiValidationError({"drill_type": [_("Give the drill type's id.")]})
        school = get_object_or_404(selectors.drill_schools_recordable(request.user), pk=int(params["school"]))
        drill_type = get_object_or_404(DrillType, pk=int(params["drill_type"]), active=True)
        term = _term_param(request)
        count = None
        if params.get("count"):
            if not params["count"].isdigit() or not 1 <= int(params["count"]) <= 31:
                raise ApiValidationError({"count": [_("Give a number from 1 to 31.")]})
            count = int(params["count"])
        dates = drill_propose_dates(school=school, drill_type=drill_type, term=term, count=count)
        return Response(
            {"school": school.pk, "drill_type": drill_type.pk, "term": term.pk, "dates": [d.isoformat() for d in dates]}
        )
