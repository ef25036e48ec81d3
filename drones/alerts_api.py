"""Drone alerts under /api/drones/alerts/: the open ones, and acknowledging one (``drones.alerts``)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from common.permissions import HasCapability
from common.roles import Capability
from drones.alerts import alert_as_dict, drone_alert_acknowledge, drone_alert_get, drone_alerts_open

AlertSerializer = inline_serializer(
    "DroneAlert",
    {
        "id": serializers.IntegerField(),
        "drone": serializers.IntegerField(),
        "drone_name": serializers.CharField(),
        "at": serializers.DateTimeField(),
        "alert": serializers.CharField(),
        "label": serializers.CharField(),
        "kind": serializers.CharField(),
        "severity": serializers.IntegerField(),
        "text": serializers.CharField(),
        "acknowledged_by": serializers.CharField(allow_null=True),
        "acknowledged_at": serializers.DateTimeField(allow_null=True),
    },
)


class AlertListApi(APIView):
    """Unacknowledged alerts (failsafe, fence, link lost, battery, unrequested mode change), newest first."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_DRONES

    @extend_schema(
        responses=inline_serializer("DroneAlerts", {"results": serializers.ListField(child=AlertSerializer)})
    )
    def get(self, request):
        return Response({"results": [alert_as_dict(e) for e in drone_alerts_open(user=request.user)]})


class AlertAckApi(APIView):
    """Acknowledge an alert: it leaves every watcher's page. Audited."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_DRONES

    @extend_schema(request=None, responses=AlertSerializer)
    def post(self, request, pk: int):
        event = drone_alert_get(user=request.user, alert_id=pk)
        if event is None:
            raise Http404
        return Response(alert_as_dict(drone_alert_acknowledge(event=event, actor=request.user)))
