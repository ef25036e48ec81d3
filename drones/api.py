"""Drone fleet API under /api/drones/. Writes go through drones.services (audited)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ServiceSaveMixin
from common.permissions import HasCapability
from common.roles import Capability
from drones import selectors, services
from drones.commands import COMMANDS, drone_command
from drones.models import Battery, ControlLock, Drone, Pilot
from drones.serializers import (
    BatterySerializer,
    ControlLockStateSerializer,
    DroneEventSerializer,
    DroneSerializer,
    PilotSerializer,
    TrackPointSerializer,
)


class FleetViewSet(ServiceSaveMixin, viewsets.ModelViewSet):
    """Read with VIEW_DRONES, write with MANAGE_FLEET through the fleet services."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_DRONES
    write_capability = Capability.MANAGE_FLEET
    http_method_names = ["get", "post", "put", "patch", "head", "options"]


class DroneViewSet(FleetViewSet):
    """Drones with their latest live telemetry (``live``)."""

    serializer_class = DroneSerializer
    save_service = services.drone_save
    save_kwarg = "drone"

    def get_queryset(self):
        return selectors.drone_list()

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        drones = selectors.drones_with_live_state(page)
        return self.get_paginated_response(self.get_serializer(drones, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        (drone,) = selectors.drones_with_live_state([self.get_object()])
        return Response(self.get_serializer(drone).data)

    @extend_schema(
        responses=DroneEventSerializer(many=True),
        parameters=[OpenApiParameter("limit", int, description="At most this many, newest first.")],
    )
    @action(detail=True, methods=["get"])
    def events(self, request, pk=None):
        try:
            limit = min(int(request.query_params.get("limit", 100)), 1000)
        except ValueError:
            raise ValidationError({"limit": "must be an integer"}) from None
        return Response(DroneEventSerializer(selectors.drone_events(self.get_object(), limit=limit), many=True).data)

    @extend_schema(
        responses=TrackPointSerializer(many=True),
        parameters=[OpenApiParameter("since", str, description="ISO 8601 time"), OpenApiParameter("until", str)],
    )
    @action(detail=True, methods=["get"])
    def track(self, request, pk=None):
        bounds = {}
        for name in ("since", "until"):
            raw = request.query_params.get(name)
            if raw:
                value = parse_datetime(raw)
                if value is None:
                    raise ValidationError({name: f"not an ISO 8601 time: {raw!r}"})
                bounds[name] = value
        points = selectors.drone_track(self.get_object(), **bounds)[:20000]
        return Response(TrackPointSerializer(points, many=True).data)


class PilotViewSet(FleetViewSet):
    queryset = Pilot.objects.select_related("user")
    serializer_class = PilotSerializer
    save_service = services.pilot_save
    save_kwarg = "pilot"


class BatteryViewSet(FleetViewSet):
    queryset = Battery.objects.all()
    serializer_class = BatterySerializer
    save_service = services.battery_save
    save_kwarg = "battery"


class DroneCommandInput(serializers.Serializer):
    command = serializers.ChoiceField(choices=COMMANDS)
    args = serializers.DictField(
        required=False, default=dict, help_text="takeoff: alt_m; goto: lat, lon, alt_m; mode: mode"
    )


class DroneCommandApi(APIView):
    """Command a drone (you must hold its control lock). Waits for the vehicle's answer.

    Errors: 403 role, lock, licence or drone status; 400 bad arguments (a go-to outside the
    drone's uploaded fence: ``outside_fence``); 409 refused by the vehicle (``errors[0].result``
    is the MAV_RESULT, ``errors[0].reasons`` what it said); 503 no link or no bridge; 504 no
    answer in time. Every attempt is audited, refusals included (``drones.commands``).
    """

    permission_classes = [HasCapability]
    required_capability = Capability.COMMAND_DRONES

    @extend_schema(
        request=DroneCommandInput,
        responses={
            200: inline_serializer(
                "CommandResult", {"ok": serializers.BooleanField(), "telemetry": serializers.DictField()}
            )
        },
    )
    def post(self, request, pk: int):
        drone = get_object_or_404(Drone, pk=pk)
        body = DroneCommandInput(data=request.data)
        body.is_valid(raise_exception=True)
        reply = drone_command(
            drone=drone, actor=request.user, ip_address=request.META.get("REMOTE_ADDR"), **body.validated_data
        )
        return Response({"ok": True, "telemetry": reply.get("telemetry")})


class DroneLockInput(serializers.Serializer):
    take_over = serializers.BooleanField(required=False, default=False)


class DroneLockApi(APIView):
    """Take (or renew) control of a drone, or give it back. One operator commands a drone at a time.

    POST takes the lock, or renews it when you hold it (idempotent: one UPDATE, safe to repeat);
    ``take_over`` takes it from another operator (audited). GET says who holds it. Both answer
    ``{"holder", "acquired_at", "renewed_at", "expires_at", "expires_in_s", "is_mine"}``.
    """

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_DRONES  # watchers see who is in control
    write_capability = Capability.COMMAND_DRONES

    @extend_schema(responses=ControlLockStateSerializer)
    def get(self, request, pk: int):
        drone = get_object_or_404(Drone, pk=pk)
        lock = ControlLock.objects.filter(drone=drone).select_related("holder").first()
        state = lock.state_for(request.user) if lock else ControlLock.free_state()
        return Response(ControlLockStateSerializer(state).data)

    @extend_schema(request=DroneLockInput, responses=ControlLockStateSerializer)
    def post(self, request, pk: int):
        drone = get_object_or_404(Drone, pk=pk)
        body = DroneLockInput(data=request.data)
        body.is_valid(raise_exception=True)
        lock = services.control_lock_acquire(drone=drone, actor=request.user, **body.validated_data)
        return Response(ControlLockStateSerializer(lock.state_for(request.user)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        services.control_lock_release(drone=get_object_or_404(Drone, pk=pk), actor=request.user)
        return Response(status=204)
