from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from campus.models import (
    Department,
    DepartmentPairing,
    Gate,
    LiaisonAssignment,
    Officer,
    SafetyContact,
    School,
    Station,
    Zone,
)
from common.geo import GeometryError, polygon_from_geojson
from common.serializers import PointFieldsMixin


class GeoJSONPolygonField(serializers.JSONField):
    """A GeoJSON (Multi)Polygon in WGS-84, checked for validity and position."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value in (None, {}):
            return None
        try:
            polygon_from_geojson(value)
        except GeometryError as exc:
            raise serializers.ValidationError(str(exc)) from None
        return value


class StationSerializer(PointFieldsMixin, serializers.ModelSerializer):
    point_fields = (("lat", "lon"),)
    jurisdiction = GeoJSONPolygonField(required=False, allow_null=True)
    liaison_limit = serializers.IntegerField(read_only=True)

    class Meta:
        model = Station
        fields = [
            "id",
            "code",
            "name",
            "address",
            "duty_phone",
            "lat",
            "lon",
            "jurisdiction",
            "head",
            "max_schools_per_officer",
            "liaison_limit",
            "is_sample",
        ]


class ZoneSerializer(serializers.ModelSerializer):
    boundary = GeoJSONPolygonField()

    class Meta:
        model = Zone
        fields = ["id", "code", "name", "station", "boundary", "is_sample"]


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "code", "name", "kind", "phone", "is_sample"]


class OfficerSerializer(serializers.ModelSerializer):
    load = serializers.IntegerField(read_only=True, help_text="Schools this officer currently liaises with.")

    class Meta:
        model = Officer
        fields = ["id", "badge_no", "name", "kind", "station", "department", "phone", "active", "load", "is_sample"]
        read_only_fields = ["active"]


class OfficerBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Officer
        fields = ["id", "badge_no", "name", "phone", "station"]


class GateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Gate
        fields = ["id", "name", "is_main", "lat", "lon"]


class SafetyContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = SafetyContact
        fields = ["id", "name", "title", "phone", "is_primary"]


class LiaisonBriefSerializer(serializers.ModelSerializer):
    officer = OfficerBriefSerializer(read_only=True)

    class Meta:
        model = LiaisonAssignment
        fields = ["id", "officer", "started_at", "reason", "override_reason"]


class SchoolSerializer(PointFieldsMixin, serializers.ModelSerializer):
    point_fields = (("lat", "lon"),)
    campus = GeoJSONPolygonField(required=False, allow_null=True)
    gates = GateSerializer(many=True, read_only=True)
    safety_contacts = SafetyContactSerializer(many=True, read_only=True)
    liaison = serializers.SerializerMethodField()
    zone = serializers.PrimaryKeyRelatedField(read_only=True)
    responsible_station = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = School
        fields = [
            "id",
            "code",
            "name",
            "level",
            "area",
            "boarding",
            "school_bus",
            "pupils",
            "address",
            "phone",
            "lat",
            "lon",
            "campus",
            "active",
            "zone",
            "responsible_station",
            "liaison",
            "gates",
            "safety_contacts",
            "is_sample",
        ]

    def get_liaison(self, school) -> dict | None:
        current = getattr(school, "current_liaison", None)
        if current is None:
            current = list(school.liaison_assignments.filter(ended_at__isnull=True).select_related("officer"))
        return LiaisonBriefSerializer(current[0]).data if current else None


class LiaisonAssignmentSerializer(serializers.ModelSerializer):
    officer_name = serializers.CharField(source="officer.name", read_only=True)
    school_name = serializers.CharField(source="school.name", read_only=True)
    active = serializers.BooleanField(source="is_active", read_only=True)
    problem = serializers.SerializerMethodField()

    class Meta:
        model = LiaisonAssignment
        fields = [
            "id",
            "school",
            "school_name",
            "officer",
            "officer_name",
            "started_at",
            "ended_at",
            "active",
            "reason",
            "end_reason",
            "override_reason",
            "station_at_start",
            "assigned_by",
            "ended_by",
            "problem",
        ]
        read_only_fields = fields

    def get_problem(self, obj) -> str | None:
        from campus.selectors import liaison_problem

        return liaison_problem(obj) if obj.ended_at is None else None


class LiaisonAssignInputSerializer(serializers.Serializer):
    school = serializers.PrimaryKeyRelatedField(queryset=School.objects.all())
    officer = serializers.PrimaryKeyRelatedField(queryset=Officer.objects.all())
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    override_reason = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Administrators only: assign across jurisdiction or over the limit."),
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class TransferSerializer(serializers.Serializer):
    station = serializers.PrimaryKeyRelatedField(queryset=Station.objects.all())
    reason = serializers.CharField(max_length=300)


class PairingSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = DepartmentPairing
        fields = [
            "id",
            "school",
            "department",
            "department_name",
            "started_at",
            "ended_at",
            "active",
            "reason",
            "end_reason",
        ]
        read_only_fields = fields


class PairingInputSerializer(serializers.Serializer):
    school = serializers.PrimaryKeyRelatedField(queryset=School.objects.all())
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all())
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class CandidateSerializer(serializers.Serializer):
    officer = OfficerBriefSerializer()
    load = serializers.IntegerField()
    limit = serializers.IntegerField()
    at_limit = serializers.BooleanField()
    distance_m = serializers.FloatField(allow_null=True)


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    capabilities = serializers.ListField(child=serializers.CharField())
    school_id = serializers.IntegerField(allow_null=True)
    officer_id = serializers.IntegerField(allow_null=True)
