"""Campaign planning API under ``/api/campaigns/``: campaigns (list, detail, create, update), building a
campaign's occurrences, and its occurrences with filters.

Reading needs ``VIEW_CAMPAIGNS``; every write needs ``PLAN_CAMPAIGNS`` (leadership reads, changes nothing).
A refused write is ``{"code", "detail", "errors": [{"field", "message"}]}`` and nothing is written.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from campaigns.models import Campaign, Occurrence
from campaigns.planning import schedule as scheduling
from campaigns.planning import selectors
from campaigns.planning.occurrences import occurrences_build
from campaigns.planning.serializers import (
    BuildResultSerializer,
    CampaignDetailSerializer,
    CampaignInputSerializer,
    CampaignSerializer,
    OccurrenceSerializer,
    ScheduleInputSerializer,
    ScheduleResultSerializer,
)
from campaigns.planning.services import CampaignInput, campaign_create, campaign_update
from common.permissions import HasCapability
from common.roles import Capability

OCCURRENCE_PARAMETERS = [
    OpenApiParameter("from", str, description="first date, YYYY-MM-DD"),
    OpenApiParameter("to", str, description="last date, YYYY-MM-DD"),
    OpenApiParameter("status", str, enum=Occurrence.Status.values),
    OpenApiParameter("place", str, description="market:ID or school:ID"),
]


class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Publicity campaigns: their settings, occurrence counts and the expected reach of their sorties."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_CAMPAIGNS
    write_capability = Capability.PLAN_CAMPAIGNS
    queryset = Campaign.objects.none()

    def get_queryset(self):
        return selectors.campaign_list()

    def get_serializer_class(self):
        if self.action in ("create", "partial_update"):
            return CampaignInputSerializer
        if self.action == "retrieve":
            return CampaignDetailSerializer
        if self.action == "build":
            return BuildResultSerializer
        if self.action == "schedule":
            return ScheduleInputSerializer
        return CampaignSerializer

    def _values(self, request, base: CampaignInput | None) -> CampaignInput:
        body = CampaignInputSerializer(data=request.data, partial=base is not None)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        if base is None:
            base = CampaignInput(name="", theme="", start_date=None, end_date=None, playlist=None, reach_target=None)
        return base.replace(**data)

    def _answer(self, campaign: Campaign, code: int) -> Response:
        stored = self.get_queryset().get(pk=campaign.pk)
        return Response(CampaignDetailSerializer(stored, context={"request": self.request}).data, status=code)

    @extend_schema(request=CampaignInputSerializer, responses={201: CampaignDetailSerializer})
    def create(self, request, *args, **kwargs):
        campaign = campaign_create(values=self._values(request, None), actor=request.user)
        return self._answer(campaign, status.HTTP_201_CREATED)

    @extend_schema(request=CampaignInputSerializer, responses={200: CampaignDetailSerializer})
    def partial_update(self, request, *args, **kwargs):
        campaign = self.get_object()
        campaign = campaign_update(
            campaign=campaign, values=self._values(request, CampaignInput.of(campaign)), actor=request.user
        )
        return self._answer(campaign, status.HTTP_200_OK)

    @extend_schema(request=None, responses={200: BuildResultSerializer})
    def build(self, request, pk=None):
        """Build the campaign's occurrences (markets' sessions, schools' dismissals); idempotent."""
        result = occurrences_build(campaign=self.get_object(), actor=request.user)
        return Response(result.as_dict())

    @extend_schema(request=ScheduleInputSerializer, responses={200: ScheduleResultSerializer})
    def schedule(self, request, pk=None):
        """Assign the occurrences to sorties (CP-SAT); ``replan`` with a ``reason`` changes as little as possible."""
        campaign = self.get_object()
        body = ScheduleInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if data.get("replan"):
            result = scheduling.campaign_replan(
                campaign=campaign,
                actor=request.user,
                reason=data.get("reason", ""),
                first=data.get("first"),
                last=data.get("last"),
            )
        else:
            result = scheduling.campaign_schedule(
                campaign=campaign, actor=request.user, first=data.get("first"), last=data.get("last")
            )
        return Response(result.as_dict())


class CampaignOccurrenceList(generics.ListAPIView):
    """A campaign's occurrences in time order: date, window, place, expected crowd, status, reason and sortie.

    Filters: ``from``/``to`` (dates, inclusive), ``status``, ``place`` (``market:ID`` or ``school:ID``).
    """

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_CAMPAIGNS
    serializer_class = OccurrenceSerializer
    queryset = Occurrence.objects.none()

    def get_queryset(self):
        campaign = get_object_or_404(Campaign, pk=self.kwargs["pk"])
        return selectors.occurrence_list(campaign)

    def filter_queryset(self, queryset):
        try:
            return selectors.occurrence_filter(queryset, self.request.query_params)
        except DjangoValidationError as exc:
            raise ApiValidationError(exc.message_dict) from None

    @extend_schema(parameters=OCCURRENCE_PARAMETERS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
