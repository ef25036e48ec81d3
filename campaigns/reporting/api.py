"""Reach API under ``/api/campaigns/``: a campaign's reach (``campaigns/<id>/reach/``), measuring its flown
sorties again (``campaigns/<id>/measure/``, PLAN_CAMPAIGNS), and the bureau's year (``reach/?year=``).

Reading needs ``VIEW_CAMPAIGNS``. Answers are JSON with finite numbers only."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.models import Campaign
from campaigns.reporting import selectors
from campaigns.reporting.serializers import CampaignReachSerializer, MeasureResultSerializer, YearReachSerializer
from campaigns.reporting.services import campaign_measure
from common.permissions import HasCapability
from common.roles import Capability

MIN_YEAR, MAX_YEAR = 2000, 2100


class CampaignReachApi(APIView):
    """A campaign's reach: summary against its target, the cumulative series, townships, pilots, places
    (coverage) and occurrences (measured when flown, expected otherwise), with the model's parameters."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_CAMPAIGNS

    @extend_schema(responses={200: CampaignReachSerializer})
    def get(self, request, pk: int):
        campaign = get_object_or_404(Campaign.objects.select_related("playlist"), pk=pk)
        data = selectors.campaign_reach(campaign)
        data.pop("map", None)
        return Response(CampaignReachSerializer(data).data)


class CampaignMeasureApi(APIView):
    """Measure every flown sortie of the campaign again from its flight's track (idempotent)."""

    permission_classes = [HasCapability]
    required_capability = Capability.PLAN_CAMPAIGNS

    @extend_schema(request=None, responses={200: MeasureResultSerializer})
    def post(self, request, pk: int):
        campaign = get_object_or_404(Campaign, pk=pk)
        result = campaign_measure(campaign=campaign, actor=request.user, reason="measure again (API)")
        return Response(MeasureResultSerializer(result.as_dict()).data)


class YearReachApi(APIView):
    """The bureau's year: every campaign's reach, the total against CAMPAIGN_YEAR_TARGET, and by month."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_CAMPAIGNS

    @extend_schema(
        parameters=[OpenApiParameter("year", int, description="the year (default: this year)")],
        responses={200: YearReachSerializer},
    )
    def get(self, request):
        value = request.query_params.get("year", "").strip()
        year = timezone.localdate().year
        if value:
            if not value.isdigit() or not MIN_YEAR <= int(value) <= MAX_YEAR:
                raise ValidationError(
                    {"year": [_("Give a year between %(min)d and %(max)d.") % {"min": MIN_YEAR, "max": MAX_YEAR}]}
                )
            year = int(value)
        return Response(YearReachSerializer(selectors.year_reach(year)).data)
