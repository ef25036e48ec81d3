from __future__ import annotations

from rest_framework import serializers

from common.serializers import PointFieldsMixin
from drones.models import Battery, Drone, DroneEvent, Payload, Pilot, TrackPoint
from drones.models.video import video_url_problem


class DroneSpeakerSerializer(serializers.Serializer):
    """The loudspeaker output, named as ``drones.missions.speaker.SpeakerConfig.as_dict()`` names it.

    Every key is optional on a write: the ones left out keep their value.
    """

    output = serializers.ChoiceField(
        source="speaker_output",
        choices=Drone.SpeakerOutput.choices,
        required=False,
        help_text="relay: DO_SET_RELAY on `relay`; servo: DO_SET_SERVO on output `servo` with `on_pwm`/`off_pwm`.",
    )
    relay = serializers.IntegerField(
        source="speaker_relay",
        min_value=0,
        max_value=Drone.SPEAKER_RELAY_MAX,
        required=False,
        help_text="ArduPilot relay instance: 0 = RELAY1.",
    )
    servo = serializers.IntegerField(
        source="speaker_servo",
        min_value=1,
        max_value=Drone.SPEAKER_SERVO_MAX,
        required=False,
        help_text="Servo output channel (SERVOn), 1-16.",
    )
    on_pwm = serializers.IntegerField(
        source="speaker_on_pwm",
        min_value=Drone.SPEAKER_PWM_MIN,
        max_value=Drone.SPEAKER_PWM_MAX,
        required=False,
        help_text="PWM (µs) that switches the loudspeaker on.",
    )
    off_pwm = serializers.IntegerField(
        source="speaker_off_pwm",
        min_value=Drone.SPEAKER_PWM_MIN,
        max_value=Drone.SPEAKER_PWM_MAX,
        required=False,
        help_text="PWM (µs) that switches the loudspeaker off.",
    )


class DroneSerializer(PointFieldsMixin, serializers.ModelSerializer):
    point_fields = (("home_lat", "home_lon"),)
    payloads = serializers.ListField(child=serializers.ChoiceField(choices=Payload.choices), required=False)
    speaker = DroneSpeakerSerializer(
        source="*", required=False, help_text="How missions switch the loudspeaker (喊话器): a relay or a servo output."
    )
    live = serializers.SerializerMethodField(help_text="Latest telemetry from the bridge, or null.")
    video = serializers.SerializerMethodField(
        help_text="What the pages play: {url, kind (hls, whep or flv)}, or null without a video URL."
    )

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
            "speaker",
            "video_url",
            "video_kind",
            "video",
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

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        # The drone as it would be saved, checked by the model's own rule (the edit form shows the same).
        probe = Drone()
        for name in (*Drone.SPEAKER_FIELDS, "airframe"):
            default = getattr(self.instance, name) if self.instance is not None else getattr(probe, name)
            setattr(probe, name, attrs.get(name, default))
        problems = probe.speaker_problems()
        if problems:
            raise serializers.ValidationError({"speaker": problems})
        video = {name: attrs.get(name, getattr(self.instance or probe, name)) for name in ("video_url", "video_kind")}
        problems = video_url_problem(video["video_url"], video["video_kind"])
        if problems:
            raise serializers.ValidationError(problems)
        return attrs

    def get_video(self, drone) -> dict | None:
        return drone.video_source()

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
            "speaker_on",
        ]


class ControlLockStateSerializer(serializers.Serializer):
    """Who controls a drone (``ControlLock.state_for``); ``holder`` is null when nobody does."""

    holder = serializers.CharField(allow_null=True, help_text="Username of the operator in control, or null.")
    acquired_at = serializers.DateTimeField(allow_null=True)
    renewed_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True, help_text="When control lapses unless renewed.")
    expires_in_s = serializers.IntegerField()
    is_mine = serializers.BooleanField(help_text="Whether the requesting user holds it.")
