from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.dashboard import LEVELS
from common.models import AuditLogEntry


class AuditLogEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditLogEntry
        fields = [
            "id",
            "at",
            "actor_name",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "before",
            "after",
            "reason",
            "ip_address",
        ]
        read_only_fields = fields


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}]})
class CountOrTextField(serializers.Field):
    """A tile's value as it is: a count stays a number, a short text (a time, "Published") a string."""

    def to_representation(self, value):
        return value


class DashboardTileSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = CountOrTextField(help_text="A count, or a short value such as a time.")
    url = serializers.CharField(help_text="The page where these items are acted on.")
    level = serializers.ChoiceField(choices=LEVELS)
    note = serializers.CharField()


class DashboardLineSerializer(serializers.Serializer):
    text = serializers.CharField()
    url = serializers.CharField()
    at = serializers.CharField(allow_null=True, help_text="ISO 8601 date or date-time, or null.")
    level = serializers.ChoiceField(choices=LEVELS)


class DashboardSectionSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField()
    tiles = DashboardTileSerializer(many=True)
    lines = DashboardLineSerializer(many=True)
    lines_title = serializers.CharField()
    lines_empty = serializers.CharField(help_text="What to say when there are no lines.")


class DashboardSerializer(serializers.Serializer):
    generated_at = serializers.DateTimeField()
    sections = DashboardSectionSerializer(many=True)


class PointFieldsMixin:
    """Validate (latitude, longitude) pairs as a place in China, naming the mistake.

    The model's range validators would say "less than or equal to 90" for a
    latitude of 118.17; checking the pair says "look swapped" instead, which
    is the usual spreadsheet mistake. ``point_fields``: ((lat_name, lon_name), ...).
    """

    point_fields: tuple[tuple[str, str], ...] = ()

    def get_fields(self):
        fields = super().get_fields()
        for pair in self.point_fields:
            for name in pair:
                field = fields.get(name)
                if field is not None and not field.read_only:
                    fields[name] = serializers.FloatField(
                        required=field.required,
                        allow_null=field.allow_null,
                        label=field.label,
                        help_text=field.help_text,
                    )
        return fields

    def validate(self, attrs):
        from common.geo import point_problem

        attrs = super().validate(attrs)
        for lat_name, lon_name in self.point_fields:
            lat = attrs.get(lat_name, getattr(self.instance, lat_name, None))
            lon = attrs.get(lon_name, getattr(self.instance, lon_name, None))
            if lat is None and lon is None:
                continue
            if lat is None or lon is None:
                raise serializers.ValidationError({lat_name: "Latitude and longitude are both required."})
            problem = point_problem(float(lat), float(lon))
            if problem:
                raise serializers.ValidationError({lat_name: problem})
        return attrs
