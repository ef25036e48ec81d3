"""API bodies of the duty day."""

from __future__ import annotations

from rest_framework import serializers

from patrol.models import CheckIn


class PositionSerializer(serializers.Serializer):
    """A WGS-84 position from the phone; both or neither of lat/lon."""

    lat = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    lon = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    accuracy_m = serializers.FloatField(required=False, allow_null=True, min_value=0)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class CheckInSerializer(serializers.ModelSerializer):
    class Meta:
        model = CheckIn
        fields = [
            "id",
            "assignment",
            "checked_in_at",
            "in_lat",
            "in_lon",
            "in_accuracy_m",
            "in_distance_m",
            "in_reason",
            "late",
            "checked_out_at",
            "out_lat",
            "out_lon",
            "out_distance_m",
            "out_reason",
            "early",
        ]
        read_only_fields = fields
