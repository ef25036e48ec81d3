"""Day sheet and flight application API under ``/api/campaigns/``.

- ``GET sheets/?day=&pilot=``: a pilot's day (the caller's own by default; ``pilot=all`` for everyone).
- ``POST sheets/sorties/<id>/fly/``: fly this sortie (the pilot holding the drone's control): 201 with the
  flight opened for its mission, or the reason it is refused.
- ``GET applications/?day=``: a day's flight applications (tomorrow's by default; a planner's request makes
  the missing drafts); ``POST applications/submit/`` {day}; ``POST applications/<id>/submit|approve|refuse/``.

Reading needs ``VIEW_CAMPAIGNS``; the application workflow ``PLAN_CAMPAIGNS``; flying ``COMMAND_DRONES``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.models import FlightApplication, Sortie
from campaigns.sheets import params, selectors, services
from campaigns.sheets.serializers import (
    ApplicationDaySerializer,
    ApplicationSerializer,
    ApproveInputSerializer,
    DayInputSerializer,
    FlownSerializer,
    RefuseInputSerializer,
    SheetSerializer,
    SubmittedSerializer,
)
from common.errors import NotAllowed
from common.permissions import HasCapability
from common.roles import Capability, can
from drones.models import Pilot

DAY = OpenApiParameter("day", str, description="YYYY-MM-DD")


class SheetApi(APIView):
    """A day sheet: the sorties of one pilot (or every pilot) on one day, with everything the sheet shows."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_CAMPAIGNS

    @extend_schema(
        parameters=[DAY, OpenApiParameter("pilot", str, description="a pilot's id, or “all”; default: yours")],
        responses={200: SheetSerializer},
    )
    def get(self, request):
        day = params.parse_day(request.query_params.get("day"), default=params.today())
        try:
            pilot = params.parse_pilot(request.query_params.get("pilot"), user=request.user)
        except Pilot.DoesNotExist:
            raise Http404 from None
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from None
        rows = selectors.sheet_rows(selectors.day_sorties(day, pilot=pilot))
        body = {"day": day, "pilot": {"id": pilot.pk, "name": str(pilot)} if pilot else None, "sorties": rows}
        return Response(SheetSerializer(body).data)


class SortieFlyApi(APIView):
    """Fly this sortie: open the flight of its mission for the pilot holding the drone's control."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_CAMPAIGNS
    write_capability = Capability.COMMAND_DRONES

    @extend_schema(request=None, responses={201: FlownSerializer})
    def post(self, request, pk: int):
        sortie = get_object_or_404(Sortie, pk=pk)
        flight = services.sortie_fly(sortie=sortie, actor=request.user)
        body = {
            "flight": flight.pk,
            "url": reverse("drones:flight_detail", args=[flight.pk]),
            "approval_ref": flight.approval_ref,
        }
        return Response(FlownSerializer(body).data, status=status.HTTP_201_CREATED)


class ApplicationListApi(APIView):
    """A day's flight applications (飞行计划申请): one per sortie that is not cancelled."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_CAMPAIGNS

    @extend_schema(parameters=[DAY], responses={200: ApplicationDaySerializer})
    def get(self, request):
        day = params.parse_day(request.query_params.get("day"), default=params.tomorrow())
        if can(request.user, Capability.PLAN_CAMPAIGNS):
            services.applications_ensure(day=day, actor=request.user)
        body = {"day": day, "due": selectors.application_due(day), "applications": selectors.application_rows(day)}
        return Response(ApplicationDaySerializer(body).data)


class ApplicationSubmitDayApi(APIView):
    """Mark every draft application of a day submitted."""

    permission_classes = [HasCapability]
    required_capability = Capability.PLAN_CAMPAIGNS

    @extend_schema(
        operation_id="campaigns_applications_submit_day",
        request=DayInputSerializer,
        responses={200: SubmittedSerializer},
    )
    def post(self, request):
        body = DayInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        day = body.validated_data["day"]
        submitted = services.applications_submit_day(day=day, actor=request.user)
        return Response(SubmittedSerializer({"day": day, "submitted": submitted}).data)


class _ApplicationAction(APIView):
    permission_classes = [HasCapability]
    required_capability = Capability.PLAN_CAMPAIGNS

    def application(self, pk: int) -> FlightApplication:
        return get_object_or_404(FlightApplication.objects.select_related("sortie__occurrence"), pk=pk)

    def answer(self, application: FlightApplication) -> Response:
        return Response(ApplicationSerializer(application).data)


class ApplicationSubmitApi(_ApplicationAction):
    """Mark one application submitted (a draft, or a refused one filed again)."""

    @extend_schema(request=None, responses={200: ApplicationSerializer})
    def post(self, request, pk: int):
        return self.answer(services.application_submit(application=self.application(pk), actor=request.user))


class ApplicationApproveApi(_ApplicationAction):
    """Record a submitted application approved, with the authority's reference (required)."""

    @extend_schema(request=ApproveInputSerializer, responses={200: ApplicationSerializer})
    def post(self, request, pk: int):
        body = ApproveInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        application = services.application_approve(
            application=self.application(pk), actor=request.user, reference=body.validated_data["reference"]
        )
        return self.answer(application)


class ApplicationRefuseApi(_ApplicationAction):
    """Record an application refused (or an approval revoked), with the reason (required)."""

    @extend_schema(request=RefuseInputSerializer, responses={200: ApplicationSerializer})
    def post(self, request, pk: int):
        body = RefuseInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        application = services.application_refuse(
            application=self.application(pk), actor=request.user, reason=body.validated_data["reason"]
        )
        return self.answer(application)
