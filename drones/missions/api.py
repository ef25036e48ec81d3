"""Missions and flights API under /api/drones/. Writes go through drones.missions.services (missions) and
drones.missions.flights (flights)."""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from campus.models import School
from common.exports import Export, export_view
from common.permissions import HasCapability
from common.roles import Capability, can
from drones.missions import flights, services, snapshots
from drones.missions.flightlog import (
    EXPORTS,
    flight_events,
    flight_outcome,
    flight_snapshots,
    flight_stats,
    flight_track,
)
from drones.models import ControlLock, Drone, Flight, FlightSnapshot, Market, Mission
from drones.serializers import ControlLockStateSerializer, DroneEventSerializer, TrackPointSerializer


class MissionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Mission
        fields = [
            "id",
            "name",
            "kind",
            "drone",
            "school",
            "market",
            "params",
            "waypoints",
            "launch_lat",
            "launch_lon",
            "takeoff_alt_m",
            "speed_mps",
            "operating_area",
            "rally_points",
            "planned_start",
            "approval_ref",
            "status",
            "validation",
            "created_at",
            "updated_at",
            "is_sample",
        ]
        read_only_fields = ["status", "validation", "created_at", "updated_at", "is_sample"]


class GenerateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=services.GENERATORS)
    drone = serializers.PrimaryKeyRelatedField(queryset=Drone.objects.all())
    name = serializers.CharField(required=False, allow_blank=True, default="")
    school = serializers.PrimaryKeyRelatedField(queryset=School.objects.all(), required=False, allow_null=True)
    market = serializers.PrimaryKeyRelatedField(queryset=Market.objects.all(), required=False, allow_null=True)
    points = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2), required=False
    )
    options = serializers.DictField(
        required=False, default=dict, help_text="Generator settings, e.g. buffer_m, alt_m, laps, minutes, hold_s."
    )


class ImportSerializer(serializers.Serializer):
    drone = serializers.PrimaryKeyRelatedField(queryset=Drone.objects.all())
    file = serializers.FileField()
    name = serializers.CharField(required=False, allow_blank=True, default="")


class MissionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Missions. Every save runs the airspace and endurance checks: ``status`` says READY or REJECTED and
    ``validation`` lists every violation with the waypoint or segment, the limit and where on the map."""

    serializer_class = MissionSerializer
    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_DRONES

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        """The ``export`` route runs its ``Export`` off the request thread (``common.exports.export_view``)."""
        view = super().as_view(actions, **initkwargs)
        return export_view(view) if actions and "export" in actions.values() else view

    write_capability = Capability.PLAN_MISSIONS
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        qs = Mission.objects.select_related("drone", "school", "market")
        drone = self.request.query_params.get("drone", "")
        return qs.filter(drone_id=int(drone)) if drone.isdigit() else qs

    def _save(self, serializer):
        mission = serializer.instance or Mission()
        for key, value in serializer.validated_data.items():
            setattr(mission, key, value)
        services.mission_save(mission=mission, actor=self.request.user)
        serializer.instance = mission

    perform_create = _save
    perform_update = _save

    @extend_schema(request=GenerateSerializer, responses={201: MissionSerializer})
    @action(detail=False, methods=["post"])
    def generate(self, request):
        """Generate a school patrol, market broadcast or point broadcast from the registry."""
        body = GenerateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        mission, _result = services.mission_generate(
            kind=data["kind"],
            drone=data["drone"],
            actor=request.user,
            name=data["name"],
            school=data.get("school"),
            market=data.get("market"),
            points=[tuple(p) for p in data.get("points", [])],
            options=data["options"],
        )
        return Response(MissionSerializer(mission).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ImportSerializer, responses={201: MissionSerializer})
    @action(detail=False, methods=["post"], url_path="import")
    def import_file(self, request):
        """A new mission from a QGroundControl .plan or a MAVLink waypoint text file."""
        body = ImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        from django.conf import settings
        from django.template.defaultfilters import filesizeformat

        if upload.size > settings.UPLOAD_MAX_BYTES:
            return Response(
                {
                    "code": "too_large",
                    "detail": _("The file is %(size)s; files up to %(limit)s are accepted.")
                    % {"size": filesizeformat(upload.size), "limit": filesizeformat(settings.UPLOAD_MAX_BYTES)},
                },
                status=413,
            )
        mission, _result = services.mission_import(
            drone=body.validated_data["drone"],
            actor=request.user,
            filename=upload.name,
            content=upload.read(),
            name=body.validated_data["name"],
        )
        return Response(MissionSerializer(mission).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=MissionSerializer)
    @action(detail=True, methods=["post"])
    def check(self, request, pk=None):
        """Run the checks again (airspace or markets may have changed since the last save)."""
        mission = self.get_object()
        services.mission_save(mission=mission, actor=request.user, reason="checked")
        return Response(MissionSerializer(mission).data)

    @extend_schema(
        responses=inline_serializer(
            "MissionMap", {"type": serializers.CharField(), "features": serializers.ListField()}
        )
    )
    @action(detail=True, methods=["get"], url_path="map")
    def map_layers(self, request, pk=None):
        """GeoJSON of the operating area, exclusions and every violation of the last check (checked
        again when the airspace, a market session or the mission changed since)."""
        mission = self.get_object()
        from drones.missions.planning import mission_map

        return Response(mission_map(mission))

    @extend_schema(
        parameters=[OpenApiParameter("type", str, enum=["plan", "waypoints"])],
        responses={(200, "application/octet-stream"): bytes},
    )
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        """Download as a QGroundControl .plan (with fence and rally) or MAVLink waypoint text."""
        from drones.missions import interop

        mission = self.get_object()
        kind = "waypoints" if request.query_params.get("type", "plan") == "waypoints" else "plan"

        # A mission file is small (one mission's items): it is made here, where a route that cannot be
        # flown is answered as before; the export only counts and audits it. The .plan carries the fence
        # and rally points a flight uploads; the waypoint text's home line the home altitude (AMSL).
        if kind == "waypoints":
            body = interop.wpl_export_plan(interop.plan_from_mission(mission, with_fence=False))
            items = len(body.splitlines()) - 1  # less the header line
        else:
            body = interop.plan_dumps(interop.plan_from_mission(mission))
            items = len(json.loads(body)["mission"]["items"])

        def build(token) -> str:
            token.count(items)
            return body

        return Export(
            kind="mission_file",
            fmt=kind,
            build=build,
            filename=f"mission-{mission.pk}.{kind}",
            content_type="text/plain; charset=utf-8" if kind == "waypoints" else "application/json",
            params={"type": kind},
            obj=mission,
        )

    @extend_schema(request=None, responses={201: inline_serializer("FlightRef", {"id": serializers.IntegerField()})})
    @action(detail=True, methods=["post"])
    def fly(self, request, pk=None):
        """Open a flight of this mission (preflight). You must hold the drone's control."""
        if not can(request.user, Capability.COMMAND_DRONES):
            raise PermissionDenied(_("You may not command drones."))
        flight = flights.flight_create(mission=self.get_object(), actor=request.user)
        return Response(FlightSerializer(flight, context={"request": request}).data, status=status.HTTP_201_CREATED)


class FlightSerializer(serializers.ModelSerializer):
    drone_name = serializers.CharField(source="drone.name", read_only=True)
    pilot_name = serializers.CharField(source="pilot.get_username", read_only=True)
    control = serializers.SerializerMethodField(help_text="Who controls the drone now (the drone lock API's shape).")

    class Meta:
        model = Flight
        fields = [
            "id",
            "mission",
            "drone",
            "drone_name",
            "pilot",
            "pilot_name",
            "approval_ref",
            "status",
            "preflight",
            "items",
            "fence",
            "current_item",
            "reached_items",
            "speaker_on",
            "last_error",
            "outcome",
            "outcome_detail",
            "control",
            "started_at",
            "ended_at",
            "stats",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ControlLockStateSerializer)
    def get_control(self, flight: Flight) -> dict:
        user = getattr(self.context.get("request"), "user", None)
        try:
            lock = flight.drone.lock  # select_related by the view
        except ControlLock.DoesNotExist:
            lock = None
        state = lock.state_for(user) if lock else ControlLock.free_state()
        return ControlLockStateSerializer(state).data


class FlightSnapshotSerializer(serializers.Serializer):
    """A frame of the live video in the flight log (``drones.missions.snapshots.snapshot_as_dict``)."""

    id = serializers.IntegerField()
    taken_at = serializers.DateTimeField()
    lat = serializers.FloatField(allow_null=True, help_text="WGS-84; null when the position was not known.")
    lon = serializers.FloatField(allow_null=True)
    alt_rel_m = serializers.FloatField(allow_null=True, help_text="Height above home.")
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    taken_by = serializers.CharField(allow_null=True)
    image_url = serializers.CharField(help_text="The JPEG.")


class ConfirmSerializer(serializers.Serializer):
    confirmed = serializers.BooleanField(default=False)


class ApprovalSerializer(serializers.Serializer):
    approval_ref = serializers.CharField(max_length=100)


class FlightCommandSerializer(serializers.Serializer):
    command = serializers.ChoiceField(choices=list(flights.FLIGHT_COMMANDS))


class FlightViewSet(viewsets.ReadOnlyModelViewSet):
    """Flights: preflight checklist, start, pause/resume/abort/land, and the flight log."""

    serializer_class = FlightSerializer
    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_DRONES
    write_capability = Capability.COMMAND_DRONES

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        """The ``export`` route runs its ``Export`` off the request thread (``common.exports.export_view``)."""
        view = super().as_view(actions, **initkwargs)
        return export_view(view) if actions and "export" in actions.values() else view

    def get_queryset(self):
        qs = Flight.objects.select_related("drone", "drone__lock__holder", "pilot", "mission")
        params = self.request.query_params
        if params.get("drone", "").isdigit():
            qs = qs.filter(drone_id=int(params["drone"]))
        if params.get("active") == "true":
            qs = qs.filter(status__in=Flight.ACTIVE)
        return qs

    @extend_schema(
        request=ConfirmSerializer,
        responses=inline_serializer(
            "Checklist",
            {"ok": serializers.BooleanField(), "items": serializers.ListField(child=serializers.DictField())},
        ),
    )
    @action(detail=True, methods=["post"])
    def preflight(self, request, pk=None):
        """Evaluate the preflight checklist now (reads the vehicle's state and failsafe parameters)."""
        body = ConfirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        items = flights.flight_preflight(flight=self.get_object(), actor=request.user, **body.validated_data)
        return Response({"ok": all(i.ok for i in items), "items": [i.as_dict() for i in items]})

    @extend_schema(request=None, responses=inline_serializer("ParamsSet", {"params": serializers.DictField()}))
    @action(detail=True, methods=["post"], url_path="fix-params")
    def fix_params(self, request, pk=None):
        """Set the failsafe parameters the checklist requires (audited)."""
        return Response({"params": flights.flight_fix_params(flight=self.get_object(), actor=request.user)})

    @extend_schema(request=ApprovalSerializer, responses=FlightSerializer)
    @action(detail=True, methods=["post"])
    def approval(self, request, pk=None):
        body = ApprovalSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        flight = flights.flight_set_approval(flight=self.get_object(), actor=request.user, **body.validated_data)
        return Response(self.get_serializer(flight).data)

    @extend_schema(request=ConfirmSerializer, responses=FlightSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """Checklist, then upload and verify fence, rally and mission, arm, AUTO. Refused with the failing items."""
        body = ConfirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        flight = flights.flight_start(flight=self.get_object(), actor=request.user, **body.validated_data)
        return Response(self.get_serializer(flight).data)

    @extend_schema(request=FlightCommandSerializer, responses=FlightSerializer)
    @action(detail=True, methods=["post"])
    def command(self, request, pk=None):
        """pause, resume, abort (return to launch) or land: the same checks, errors and audit as the live map."""
        body = FlightCommandSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        flight = flights.flight_command(
            flight=self.get_object(),
            actor=request.user,
            ip_address=request.META.get("REMOTE_ADDR"),
            **body.validated_data,
        )
        return Response(self.get_serializer(flight).data)

    @extend_schema(request=None, responses=FlightSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a flight that never took off (preflight, or starting with no mission running). Audited."""
        flight = flights.flight_cancel(
            flight=self.get_object(), actor=request.user, ip_address=request.META.get("REMOTE_ADDR")
        )
        return Response(self.get_serializer(flight).data)

    @extend_schema(
        responses=inline_serializer(
            "FlightLog",
            {
                "stats": serializers.DictField(),
                "outcome": serializers.DictField(),
                "track": TrackPointSerializer(many=True),
                "events": DroneEventSerializer(many=True),
                "snapshots": FlightSnapshotSerializer(many=True),
            },
        )
    )
    @action(detail=True, methods=["get"])
    def log(self, request, pk=None):
        """The flight's statistics, track (1 Hz) and events."""
        flight = self.get_object()
        return Response(
            {
                "stats": flight_stats(flight).as_dict(),
                "outcome": flight_outcome(flight),
                "track": TrackPointSerializer(flight_track(flight), many=True).data,
                "events": DroneEventSerializer(flight_events(flight), many=True).data,
                "snapshots": [snapshots.snapshot_as_dict(s) for s in flight_snapshots(flight)],
            }
        )

    @extend_schema(
        request={"multipart/form-data": inline_serializer("SnapshotUpload", {"image": serializers.FileField()})},
        responses={200: FlightSnapshotSerializer(many=True), 201: FlightSnapshotSerializer},
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser])
    def snapshots(self, request, pk=None):
        """The flight's video snapshots (time, the drone's position, image URL); POST ``image`` (PNG or JPEG,
        at most DRONE_SNAPSHOT_MAX_BYTES) keeps a frame in the log. Audited."""
        flight = self.get_object()
        if request.method == "GET":
            return Response([snapshots.snapshot_as_dict(s) for s in flight_snapshots(flight)])
        content = snapshots.snapshot_read(request.FILES.get("image"))
        snapshot = snapshots.flight_snapshot_take(
            flight=flight, actor=request.user, content=content, ip_address=request.META.get("REMOTE_ADDR")
        )
        return Response(snapshots.snapshot_as_dict(snapshot), status=status.HTTP_201_CREATED)

    @extend_schema(operation_id="drones_flights_snapshot_image", responses={(200, "image/jpeg"): bytes})
    @action(detail=True, methods=["get"], url_path=r"snapshots/(?P<snapshot_id>[0-9]+)", url_name="snapshot-image")
    def snapshot_image(self, request, pk=None, snapshot_id=None):
        """One snapshot's JPEG."""
        snapshot = get_object_or_404(FlightSnapshot, flight=self.get_object(), pk=snapshot_id)
        response = HttpResponse(bytes(snapshot.image), content_type="image/jpeg")
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Disposition"] = f'inline; filename="flight-{snapshot.flight_id}-{snapshot.pk}.jpg"'
        response["Cache-Control"] = "private, max-age=3600"
        return response

    @extend_schema(
        parameters=[OpenApiParameter("type", str, enum=list(EXPORTS))],
        responses={(200, "application/octet-stream"): bytes},
    )
    @action(detail=True, methods=["get"], url_path="export")
    def export(self, request, pk=None):
        """The track (and events) as GeoJSON, GPX, KML or CSV."""
        flight = self.get_object()
        fmt = request.query_params.get("type", "geojson")
        if fmt not in EXPORTS:
            return Response({"code": "invalid", "detail": f"type must be one of {', '.join(EXPORTS)}"}, status=400)
        render, content_type, extension = EXPORTS[fmt]
        return Export(
            kind="flight_log",
            fmt=fmt,
            build=lambda token: render(flight, token),
            filename=f"flight-{flight.pk}.{extension}",
            content_type=content_type,
            params={"type": fmt},
            obj=flight,
        )
