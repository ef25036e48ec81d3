"""Serializers for the reporting API: the report as sent (JSON or multipart) and as stored."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from campus.models import Gate, School
from incidents.models import Incident, IncidentCategory, IncidentEvent, IncidentPhoto, Severity


class ReportInputSerializer(serializers.Serializer):
    """What a client sends. ``school`` may be left out by school staff (it is their own school)."""

    school = serializers.PrimaryKeyRelatedField(queryset=School.objects.all(), required=False)
    category = serializers.ChoiceField(choices=IncidentCategory.choices)
    severity = serializers.ChoiceField(choices=Severity.choices)
    occurred_at = serializers.DateTimeField()
    description = serializers.CharField(max_length=4000, trim_whitespace=False)
    gate = serializers.PrimaryKeyRelatedField(queryset=Gate.objects.all(), required=False, allow_null=True)
    lat = serializers.FloatField(required=False, allow_null=True)
    lon = serializers.FloatField(required=False, allow_null=True)
    location_note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    reporter_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    reporter_phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    idempotency_key = serializers.CharField(
        max_length=80, required=False, help_text=_("Or the Idempotency-Key header (preferred).")
    )
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class PhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = IncidentPhoto
        fields = ["id", "url", "width", "height", "size_bytes", "original_name"]

    def get_url(self, photo: IncidentPhoto) -> str:
        path = reverse("incidents_api:report-photo", kwargs={"pk": photo.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class EventSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = IncidentEvent
        fields = ["id", "kind", "kind_display", "from_status", "to_status", "text", "actor_name", "at"]


class ReportSerializer(serializers.ModelSerializer):
    """A stored report with its routing; the detail adds photos and the timeline."""

    school_name = serializers.CharField(source="school.name", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    severity_display = serializers.CharField(source="get_severity_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    gate_name = serializers.CharField(source="gate.name", read_only=True, default=None)
    liaison_officer = serializers.SerializerMethodField()
    station = serializers.SerializerMethodField()
    photos = PhotoSerializer(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = [
            "id",
            "reference",
            "school",
            "school_name",
            "category",
            "category_display",
            "severity",
            "severity_display",
            "status",
            "status_display",
            "occurred_at",
            "created_at",
            "gate",
            "gate_name",
            "lat",
            "lon",
            "location_note",
            "description",
            "reporter_name",
            "reporter_phone",
            "liaison_officer",
            "station",
            "acknowledged_at",
            "on_scene_at",
            "resolved_at",
            "closed_at",
            "escalation",
            "photos",
        ]
        read_only_fields = fields

    def get_liaison_officer(self, incident: Incident) -> dict | None:
        officer = incident.liaison_officer
        return {"id": officer.pk, "name": officer.name, "phone": officer.phone} if officer else None

    def get_station(self, incident: Incident) -> dict | None:
        station = incident.station
        return {"id": station.pk, "name": station.name, "duty_phone": station.duty_phone} if station else None


class ReportDetailSerializer(ReportSerializer):
    events = EventSerializer(many=True, read_only=True)

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "events"]
        read_only_fields = fields
