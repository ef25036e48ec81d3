"""Serializers for the day sheet and flight application API: read shapes of the selectors' rows, and the
small bodies of the workflow's actions."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from campaigns.models import FlightApplication, Sortie


class PlaceSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="market or school")
    id = serializers.IntegerField()
    name = serializers.CharField()
    lat = serializers.FloatField(allow_null=True, help_text="WGS-84")
    lon = serializers.FloatField(allow_null=True, help_text="WGS-84")


class ClipLineSerializer(serializers.Serializer):
    title = serializers.CharField()
    duration_s = serializers.FloatField()


class PlaylistLineSerializer(serializers.Serializer):
    name = serializers.CharField()
    clips = ClipLineSerializer(many=True)
    loop_s = serializers.FloatField(help_text="One loop of the playlist, seconds; it repeats over the place.")


class SheetSortieSerializer(serializers.Serializer):
    """One sortie of a day sheet (times in the bureau's time zone, coordinates WGS-84)."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Sortie.Status.choices)
    cancel_reason = serializers.CharField()
    start = serializers.DateTimeField(help_text="take-off")
    end = serializers.DateTimeField(help_text="landed by")
    campaign = serializers.SerializerMethodField()
    place = PlaceSerializer()
    window_start = serializers.DateTimeField()
    window_end = serializers.DateTimeField()
    expected_crowd = serializers.IntegerField()
    launch_lat = serializers.FloatField()
    launch_lon = serializers.FloatField()
    drone = serializers.SerializerMethodField()
    battery_packs = serializers.IntegerField()
    batteries = serializers.ListField(child=serializers.CharField(), help_text="the drone's packs (serials)")
    pilot = serializers.SerializerMethodField()
    playlist = PlaylistLineSerializer()
    mission = serializers.SerializerMethodField()
    max_height_m = serializers.FloatField(allow_null=True)
    application_status = serializers.ChoiceField(choices=FlightApplication.Status.choices)
    application_reference = serializers.SerializerMethodField()
    flight = serializers.SerializerMethodField()

    def get_campaign(self, row) -> dict:
        return {"id": row["campaign"].pk, "name": row["campaign"].name}

    def get_drone(self, row) -> dict:
        drone = row["drone"]
        return {"id": drone.pk, "name": drone.name, "serial": drone.serial}

    def get_pilot(self, row) -> dict:
        pilot = row["pilot"]
        return {"id": pilot.pk, "name": str(pilot), "licence_no": pilot.licence_no}

    def get_mission(self, row) -> dict | None:
        mission = row["mission"]
        if mission is None:
            return None
        return {"id": mission.pk, "name": mission.name, "url": reverse("drones:mission_detail", args=[mission.pk])}

    def get_application_reference(self, row) -> str:
        application = row["application"]
        return application.reference if application else ""

    def get_flight(self, row) -> int | None:
        return row["flight"].pk if row["flight"] else None


class SheetSerializer(serializers.Serializer):
    day = serializers.DateField()
    pilot = serializers.DictField(allow_null=True, help_text="{id, name}, or null for every pilot's sorties")
    sorties = SheetSortieSerializer(many=True)


class AreaSerializer(serializers.Serializer):
    place = serializers.CharField()
    lat = serializers.FloatField(allow_null=True, help_text="centre, WGS-84")
    lon = serializers.FloatField(allow_null=True, help_text="centre, WGS-84")
    radius_m = serializers.IntegerField(allow_null=True)


class ApplicationRowSerializer(serializers.Serializer):
    """One flight application (飞行计划申请) as filed."""

    id = serializers.SerializerMethodField(help_text="the application's id (null until its row is made)")
    sortie = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=FlightApplication.Status.choices)
    reference = serializers.CharField()
    note = serializers.CharField()
    area = AreaSerializer()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    max_height_m = serializers.FloatField(allow_null=True, help_text="never above the legal ceiling")
    drone_model = serializers.CharField()
    drone_serial = serializers.CharField()
    pilot_name = serializers.CharField()
    licence_no = serializers.CharField()
    licence_expiry = serializers.DateField()

    def get_id(self, row) -> int | None:
        return row["application"].pk if row["application"] else None

    def get_sortie(self, row) -> int:
        return row["sortie"].pk


class ApplicationDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    due = serializers.DateField(help_text="the day the applications are due (the day before)")
    applications = ApplicationRowSerializer(many=True)


class ApplicationSerializer(serializers.ModelSerializer):
    class Meta:
        model = FlightApplication
        fields = ["id", "sortie", "status", "reference", "note", "submitted_at", "decided_at"]
        read_only_fields = fields


class DayInputSerializer(serializers.Serializer):
    day = serializers.DateField()


class SubmittedSerializer(serializers.Serializer):
    day = serializers.DateField()
    submitted = serializers.IntegerField()


class ApproveInputSerializer(serializers.Serializer):
    reference = serializers.CharField(
        max_length=100, allow_blank=True, default="", help_text="the authority's reference"
    )


class RefuseInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, allow_blank=True, default="")


class FlownSerializer(serializers.Serializer):
    flight = serializers.IntegerField()
    url = serializers.CharField(help_text="the flight page, where the preflight and start are")
    approval_ref = serializers.CharField()
