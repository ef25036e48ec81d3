"""Registry and 一校一警 API under /api/campus/. Writes go through campus.services."""

from __future__ import annotations

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from campus import selectors, services
from campus.models import Department, DepartmentPairing, LiaisonAssignment, Officer, Station, Zone
from campus.serializers import (
    CandidateSerializer,
    DepartmentSerializer,
    LiaisonAssignInputSerializer,
    LiaisonAssignmentSerializer,
    MeSerializer,
    OfficerSerializer,
    PairingInputSerializer,
    PairingSerializer,
    ReasonSerializer,
    SchoolSerializer,
    StationSerializer,
    TransferSerializer,
    ZoneSerializer,
)
from common.api import ServiceSaveMixin
from common.permissions import HasCapability
from common.roles import Capability, can, capabilities_of, roles_of


class RegistryViewSet(ServiceSaveMixin, viewsets.ModelViewSet):
    """Read with VIEW_COVERAGE (police roles), write with EDIT_REGISTRY; writes call ``save_service``."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_COVERAGE
    write_capability = Capability.EDIT_REGISTRY
    http_method_names = ["get", "post", "put", "patch", "head", "options"]


class StationViewSet(RegistryViewSet):
    queryset = Station.objects.all()
    serializer_class = StationSerializer
    save_service = services.station_save
    save_kwarg = "station"


class ZoneViewSet(RegistryViewSet):
    queryset = Zone.objects.all()
    serializer_class = ZoneSerializer
    save_service = services.zone_save
    save_kwarg = "zone"


class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Department.objects.all()
    serializer_class = DepartmentSerializer
    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_COVERAGE


class OfficerViewSet(RegistryViewSet):
    serializer_class = OfficerSerializer
    save_service = services.officer_save
    save_kwarg = "officer"

    def get_queryset(self):
        qs = Officer.objects.select_related("station").annotate(
            load=Count("liaison_assignments", filter=Q(liaison_assignments__ended_at__isnull=True))
        )
        station = self.request.query_params.get("station")
        if station and station.isdigit():
            qs = qs.filter(station_id=int(station))
        active = self.request.query_params.get("active")
        if active in ("true", "false"):
            qs = qs.filter(active=active == "true")
        return qs

    @extend_schema(request=ReasonSerializer, responses=OfficerSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        officer = services.officer_deactivate(officer=self.get_object(), actor=request.user, **body.validated_data)
        return Response(OfficerSerializer(self.get_queryset().get(pk=officer.pk)).data)

    @extend_schema(request=ReasonSerializer, responses=OfficerSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        officer = services.officer_activate(
            officer=self.get_object(), actor=request.user, reason=request.data.get("reason", "")
        )
        return Response(OfficerSerializer(self.get_queryset().get(pk=officer.pk)).data)

    @extend_schema(request=TransferSerializer, responses=OfficerSerializer)
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        body = TransferSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        officer = services.officer_transfer(officer=self.get_object(), actor=request.user, **body.validated_data)
        return Response(OfficerSerializer(self.get_queryset().get(pk=officer.pk)).data)


class SchoolViewSet(RegistryViewSet):
    """Schools. School safety staff see only their own school; police roles see all."""

    serializer_class = SchoolSerializer
    required_capability = Capability.VIEW_REGISTRY
    save_service = services.school_save
    save_kwarg = "school"

    def get_queryset(self):
        qs = selectors.schools_with_current(selectors.school_list_visible(self.request.user)).prefetch_related(
            "gates", "safety_contacts"
        )
        station = self.request.query_params.get("station")
        if station and station.isdigit():
            qs = qs.filter(responsible_station_id=int(station))
        return qs.order_by("code")

    @extend_schema(responses=CandidateSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="liaison-candidates")
    def liaison_candidates(self, request, pk=None):
        """Officers proposed for this school: same station, lowest load, nearest."""
        if not can(request.user, Capability.ASSIGN_LIAISON):
            raise PermissionDenied(_("You may not assign liaison officers."))
        school = self.get_object()
        return Response(CandidateSerializer(selectors.liaison_candidates(school=school), many=True).data)

    @extend_schema(responses=LiaisonAssignmentSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="liaison-history")
    def liaison_history(self, request, pk=None):
        school = self.get_object()
        qs = school.liaison_assignments.select_related("officer", "school")
        return Response(LiaisonAssignmentSerializer(qs, many=True).data)


class LiaisonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """一校一警 assignments. POST assigns (ending the school's current one); ``end`` ends one."""

    serializer_class = LiaisonAssignmentSerializer
    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_COVERAGE
    write_capability = Capability.ASSIGN_LIAISON

    @extend_schema(
        parameters=[OpenApiParameter("active", bool), OpenApiParameter("school", int), OpenApiParameter("officer", int)]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        qs = LiaisonAssignment.objects.select_related(
            "officer", "school", "school__responsible_station", "station_at_start"
        ).order_by("school__code", "-started_at")
        params = self.request.query_params
        if params.get("active") in ("true", "false"):
            qs = qs.filter(ended_at__isnull=params["active"] == "true")
        for key in ("school", "officer"):
            if params.get(key, "").isdigit():
                qs = qs.filter(**{f"{key}_id": int(params[key])})
        return qs

    @extend_schema(request=LiaisonAssignInputSerializer, responses={201: LiaisonAssignmentSerializer})
    def create(self, request):
        body = LiaisonAssignInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        assignment = services.liaison_assign(actor=request.user, **body.validated_data)
        return Response(LiaisonAssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReasonSerializer, responses=LiaisonAssignmentSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        assignment = get_object_or_404(LiaisonAssignment, pk=pk, ended_at__isnull=True)
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ended = services.liaison_end(school=assignment.school, actor=request.user, **body.validated_data)
        return Response(LiaisonAssignmentSerializer(ended).data)


class PairingViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """科室队挂包 pairings. POST pairs a department with a school (ending the current pairing)."""

    serializer_class = PairingSerializer
    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_COVERAGE
    write_capability = Capability.ASSIGN_LIAISON

    def get_queryset(self):
        qs = DepartmentPairing.objects.select_related("department", "school").order_by("school__code", "-started_at")
        if self.request.query_params.get("active") in ("true", "false"):
            qs = qs.filter(ended_at__isnull=self.request.query_params["active"] == "true")
        return qs

    @extend_schema(request=PairingInputSerializer, responses={201: PairingSerializer})
    def create(self, request):
        body = PairingInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        pairing = services.department_pair(actor=request.user, **body.validated_data)
        return Response(PairingSerializer(pairing).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReasonSerializer, responses=PairingSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        pairing = get_object_or_404(DepartmentPairing, pk=pk, ended_at__isnull=True)
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ended = services.department_unpair(school=pairing.school, actor=request.user, **body.validated_data)
        return Response(PairingSerializer(ended).data)


class MeApi(APIView):
    """The signed-in user's roles, capabilities, and (for school staff) school."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        officer = getattr(user, "officer", None)
        data = {
            "username": user.get_username(),
            "name": user.get_full_name(),
            "roles": sorted(r.value for r in roles_of(user)),
            "capabilities": sorted(c.value for c in capabilities_of(user)),
            "school_id": selectors.staff_school_id(user),
            "officer_id": officer.id if officer else None,
        }
        return Response(MeSerializer(data).data)
