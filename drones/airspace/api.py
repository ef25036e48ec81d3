"""Airspace API under /api/drones/: ``airspace/`` (zones), ``airspace/map/`` (the map layer), ``markets/``.

Reading needs VIEW_DRONES, writing MANAGE_FLEET; writes go through
``drones.airspace.services`` (validated, audited). Zones are not deleted: set
``active`` false to lift one and keep the record.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from drones.airspace import selectors, services
from drones.airspace.serializers import AirspaceSerializer, MarketSerializer
from drones.api import FleetViewSet
from drones.models import Airspace, Market


def _moment(request):
    raw = request.query_params.get("at")
    if not raw:
        return timezone.now()
    value = parse_datetime(raw)
    if value is None:
        raise ValidationError({"at": f"not an ISO 8601 time: {raw!r}"})
    return value if timezone.is_aware(value) else timezone.make_aware(value)


class _ManagedViewSet(FleetViewSet):
    lookup_value_regex = r"\d+"


class AirspaceViewSet(_ManagedViewSet):
    """No-fly, restricted, airport and crowd zones. ``?kind=``, ``?active=true|false``, ``?in_force=true``."""

    serializer_class = AirspaceSerializer
    save_service = services.airspace_save
    save_kwarg = "zone"

    def get_queryset(self):
        params = self.request.query_params
        active = {"true": True, "false": False}.get(params.get("active", "").lower())
        qs = selectors.airspace_list(kind=params.get("kind", ""), active=active)
        if params.get("in_force", "").lower() == "true":
            ids = [z.id for z in selectors.airspace_in_force(timezone.now())]
            qs = qs.filter(id__in=ids)
        return qs

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=Airspace.Kind.values),
            OpenApiParameter("active", bool),
            OpenApiParameter("in_force", bool, description="Only zones active and valid now."),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        parameters=[OpenApiParameter("at", str, description="ISO 8601 time (default now).")],
        responses={
            200: inline_serializer(
                "AirspaceMap",
                {
                    "type": serializers.CharField(help_text="FeatureCollection"),
                    "features": serializers.ListField(
                        child=serializers.DictField(),
                        help_text="GeoJSON features (WGS-84); properties.layer is zone or market.",
                    ),
                },
            )
        },
    )
    @action(detail=False, methods=["get"], url_path="map")
    def map(self, request):
        """Zones in force at ``at`` (``layer: zone``) and every market (``layer: market``, with ``in_session``)."""
        return Response(selectors.airspace_map(_moment(request)))


class MarketViewSet(_ManagedViewSet):
    """大集 (lunar-day schedules) and 夜市 (weekdays), with ``in_session`` now and the next sessions."""

    queryset = Market.objects.select_related("station")
    serializer_class = MarketSerializer
    save_service = services.market_save
    save_kwarg = "market"
