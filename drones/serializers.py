from __future__ import annotations

from rest_framework import serializers

from common.serializers import PointFieldsMixin
from drones.models import Battery, Drone, DroneEvent, Payload, Pilot, TrackPoint


class DroneSerializer(PointFieldsMixin, serializers.ModelSerializer):
    point_fields = (("home_lat", "home_lon"),)
    payloads = serializers.ListField(child=serializers.ChoiceField(choices=Payload.choices), required=False)
    live = serializers.SerializerMethodField(help_text="Latest telemetry from the bridge, or null.")

    class Meta:
        model = Drone
        fields = [
            "id",
            "name",
            "serial",
            "airframe",
            "model_name",
            "connection",
            "system_id",
            "payloads",
            "endurance_min",
            "cruise_speed_mps",
            "home_name",
            "home_lat",
            "home_lon",
            "home_alt_msl_m",
            "station",
            "status",
            "notes",
            "is_sample",
            "live",
        ]
        read_only_fields = ["is_sample"]

    def get_live(self, drone) -> dict | None:
        return getattr(drone, "live", None)


class PilotSerializer(serializers.ModelSerializer):
    licence_valid = serializers.BooleanField(read_only=True)

    class Meta:
        model = Pilot
        fields = ["id", "user", "licence_no", "licence_class", "licence_expiry", "licence_valid", "phone"]


class BatterySerializer(serializers.ModelSerializer):
    worn_out = serializers.BooleanField(read_only=True)

    class Meta:
        model = Battery
        fields = ["id", "serial", "drone", "capacity_mah", "cycles", "max_cycles", "retired", "worn_out"]


class DroneEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = DroneEvent
        fields = ["id", "at", "kind", "severity", "text", "data", "alert"]


class TrackPointSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrackPoint
        fields = [
            "at",
            "lat",
            "lon",
            "alt_rel_m",
            "alt_msl_m",
            "heading_deg",
            "groundspeed_mps",
            "climb_mps",
            "battery_pct",
            "battery_v",
            "mode",
            "armed",
            "mission_seq",
        ]


class ControlLockStateSerializer(serializers.Serializer):
    """Who controls a drone (``ControlLock.state_for``); ``holder`` is null when nobody does."""

    holder = serializers.CharField(allow_null=True, help_text="Username of the operator in control, or null.")
    acquired_at = serializers.DateTimeField(allow_null=True)
    renewed_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True, help_text="When control lapses unless renewed.")
    expires_in_s = serializers.IntegerField()
    is_mine = serializers.BooleanField(help_text="Whether the requesting user holds it.")
