from __future__ import annotations

from rest_framework import serializers

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


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    capabilities = serializers.ListField(child=serializers.CharField())
    school_id = serializers.IntegerField(allow_null=True)
    officer_id = serializers.IntegerField(allow_null=True)


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
