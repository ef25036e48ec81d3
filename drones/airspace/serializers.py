"""API shapes of airspace zones and markets. Geometry is GeoJSON, WGS-84, checked before saving."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from shapely import geometry as shp

from common.geo import GeometryError, point_problem, polygon_from_geojson
from drones.missions.markets import market_in_session, next_sessions, parse_lunar_days
from drones.models import Airspace, Market
from imports.geometry import explain_invalid


class ZonePolygonField(serializers.JSONField):
    """A GeoJSON Polygon or MultiPolygon, WGS-84; a self-intersecting one is refused with where it crosses."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value in (None, {}):
            return None
        try:
            shape = shp.shape(value)
        except Exception:  # noqa: BLE001 - shapely raises several types for malformed input
            shape = None
        if shape is not None and not shape.is_empty and not shape.is_valid:
            raise serializers.ValidationError(explain_invalid(shape))
        try:
            polygon_from_geojson(value)
        except GeometryError as exc:
            raise serializers.ValidationError(str(exc)) from None
        return value


class StreetField(serializers.JSONField):
    """A GeoJSON LineString along the market's stalls, WGS-84, with at least two different points."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value in (None, {}):
            return None
        if not isinstance(value, dict) or value.get("type") != "LineString":
            raise serializers.ValidationError(_("A market street must be a GeoJSON LineString."))
        coordinates = value.get("coordinates")
        try:
            points = {(float(lon), float(lat)) for lon, lat in coordinates}
        except (TypeError, ValueError):
            raise serializers.ValidationError(_("Each point of the street must be [longitude, latitude].")) from None
        if len(points) < 2:
            raise serializers.ValidationError(_("A market street needs at least two different points."))
        for lon, lat in points:
            problem = point_problem(lat, lon)
            if problem:
                raise serializers.ValidationError(problem)
        return value


class AirspaceSerializer(serializers.ModelSerializer):
    # Plain floats: a position out of range is judged by ``point_problem``, which spots swapped coordinates.
    center_lat = serializers.FloatField(required=False, allow_null=True)
    center_lon = serializers.FloatField(required=False, allow_null=True)
    geometry = ZonePolygonField(
        required=False,
        allow_null=True,
        help_text=_lazy(
            "GeoJSON Polygon/MultiPolygon, WGS-84. Omit it and give center_lat, center_lon and "
            "buffer_m for a circle (airports)."
        ),
    )
    in_force = serializers.SerializerMethodField(help_text=_lazy("Active and valid now."))

    class Meta:
        model = Airspace
        fields = [
            "id",
            "name",
            "kind",
            "geometry",
            "min_alt_m",
            "center_lat",
            "center_lon",
            "buffer_m",
            "active",
            "valid_from",
            "valid_until",
            "source",
            "notes",
            "is_sample",
            "in_force",
        ]
        read_only_fields = ["is_sample"]

    def get_in_force(self, zone: Airspace) -> bool:
        return zone.in_force(timezone.now())

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        def value(name):
            return attrs[name] if name in attrs else getattr(self.instance, name, None)

        lat, lon = value("center_lat"), value("center_lon")
        if (lat is None) != (lon is None):
            raise serializers.ValidationError({"center_lat": _("Give both centre latitude and longitude, or neither.")})
        if lat is not None:
            problem = point_problem(lat, lon)
            if problem:
                raise serializers.ValidationError({"center_lat": problem})
        if not value("geometry") and (lat is None or not value("buffer_m")):
            raise serializers.ValidationError(
                {"geometry": _("Give the zone's polygon, or its centre (center_lat, center_lon) and buffer_m.")}
            )
        if "geometry" in attrs and attrs["geometry"] is None and self.instance is not None:
            attrs.pop("geometry")
        return attrs


@extend_schema_field(
    {
        "oneOf": [{"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 30}}, {"type": "string"}],
        "description": 'Lunar days: [1, 6] or "1,6" or "逢一六" (expanded to 1, 6, 11, 16, 21, 26).',
    }
)
class LunarDaysField(serializers.Field):
    """Lunar days as a list ([1, 6, 11, ...]) or as people write them ("1,6", "逢一六"), expanded."""

    def to_representation(self, value):
        return list(value or [])

    def to_internal_value(self, data):
        try:
            if isinstance(data, list):
                return parse_lunar_days(",".join(str(int(v)) for v in data))
            return parse_lunar_days(str(data))
        except (TypeError, ValueError) as exc:
            raise serializers.ValidationError(str(exc)) from None


class MarketSerializer(serializers.ModelSerializer):
    street = StreetField(required=False, allow_null=True)
    area = ZonePolygonField(required=False, allow_null=True)
    lunar_days = LunarDaysField(required=False)
    in_session = serializers.SerializerMethodField(help_text=_lazy("Being held now."))
    next_sessions = serializers.SerializerMethodField(help_text=_lazy("The next sessions, [start, end] ISO 8601."))

    class Meta:
        model = Market
        fields = [
            "id",
            "name",
            "kind",
            "station",
            "street",
            "area",
            "lunar_days",
            "weekdays",
            "opens",
            "closes",
            "min_alt_m",
            "attendance",
            "is_sample",
            "in_session",
            "next_sessions",
        ]
        read_only_fields = ["is_sample"]

    def get_in_session(self, market: Market) -> bool:
        return market_in_session(market, timezone.now())

    def get_next_sessions(self, market: Market) -> list[list[str]]:
        return [[start.isoformat(), end.isoformat()] for start, end in next_sessions(market, timezone.now(), 3)]
