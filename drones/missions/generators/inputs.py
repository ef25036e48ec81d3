"""Checking a generator's parameters: numbers, (lat, lon) points, speeds, laps, and GeoJSON polygons
and lines (WGS-84), each refused with a ``GeneratorError`` saying what is wrong and where
(``invalid_reason`` puts GEOS's place of an invalid geometry as latitude, longitude)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import shapely
from django.utils.translation import gettext as _
from shapely import geometry as shp

from common.geo import point_problem
from drones.missions.generators.generated import GeneratorError
from drones.missions.items import SPEED_RANGE_MPS

MAX_LAPS = 100


_WHERE = re.compile(r"^(?P<reason>.*?)\s*\[(?P<x>[-+\d.eE]+) (?P<y>[-+\d.eE]+)\]$")


def invalid_reason(geom) -> str:
    """shapely's reason with the place as "near lat, lon" (GEOS says "Self-intersection[lon lat]")."""
    reason = shapely.is_valid_reason(geom)
    match = _WHERE.match(reason)
    if not match:
        return reason
    return _("%(reason)s near %(lat).6f, %(lon).6f (latitude, longitude)") % {
        "reason": match["reason"],
        "lat": float(match["y"]),
        "lon": float(match["x"]),
    }


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_point(point: Any, what: str, field: str) -> tuple[float, float]:
    """A (lat, lon) pair, WGS-84, checked for swapped or impossible coordinates."""
    if not isinstance(point, Sequence) or isinstance(point, str) or len(point) != 2:
        raise GeneratorError(_("%(what)s must be a (latitude, longitude) pair.") % {"what": what}, field=field)
    lat, lon = point
    if not (_finite(lat) and _finite(lon)):
        raise GeneratorError(_("%(what)s: latitude and longitude must be numbers.") % {"what": what}, field=field)
    problem = point_problem(float(lat), float(lon))
    if problem:
        raise GeneratorError(
            _("%(what)s: %(problem)s.") % {"what": what, "problem": problem}, field=field, code="coordinates"
        )
    return float(lat), float(lon)


def _check_positive(value: Any, name: str, label: str, *, high: float | None = None) -> float:
    if not _finite(value) or value <= 0:
        raise GeneratorError(
            _("%(label)s must be a number above 0 (it is %(value)s).") % {"label": label, "value": value}, field=name
        )
    if high is not None and value > high:
        raise GeneratorError(
            _("%(label)s must be at most %(high)g (it is %(value)s).") % {"label": label, "high": high, "value": value},
            field=name,
        )
    return float(value)


def _check_speed(speed_mps: Any, *, required: bool) -> float | None:
    if speed_mps is None and not required:
        return None
    low, high = SPEED_RANGE_MPS
    if not _finite(speed_mps) or not low <= speed_mps <= high:
        raise GeneratorError(
            _("The speed must be between %(low)g and %(high)g m/s (it is %(speed)s).")
            % {"low": low, "high": high, "speed": speed_mps},
            field="speed_mps",
        )
    return float(speed_mps)


def _check_laps(laps: Any) -> int:
    if isinstance(laps, bool) or not isinstance(laps, int) or not 1 <= laps <= MAX_LAPS:
        raise GeneratorError(
            _("Laps must be a whole number from 1 to %(max)d (it is %(laps)s).") % {"max": MAX_LAPS, "laps": laps},
            field="laps",
        )
    return laps


def _polygon(geojson: Any, what: str, field: str):
    """A valid shapely Polygon/MultiPolygon (WGS-84, x = lon) from GeoJSON, or GeneratorError saying why and where."""
    if not isinstance(geojson, dict) or geojson.get("type") not in ("Polygon", "MultiPolygon"):
        found = geojson.get("type") if isinstance(geojson, dict) else type(geojson).__name__
        raise GeneratorError(
            _("%(what)s must be a GeoJSON Polygon (found %(found)s).") % {"what": what, "found": found}, field=field
        )
    try:
        geom = shp.shape(geojson)
    except Exception as exc:  # noqa: BLE001 - shapely raises several types for malformed coordinates
        raise GeneratorError(
            _("%(what)s has malformed coordinates: %(error)s.") % {"what": what, "error": exc}, field=field
        ) from None
    for index, (lon, lat) in enumerate(shapely.get_coordinates(geom), start=1):
        problem = point_problem(float(lat), float(lon))
        if problem:
            raise GeneratorError(
                _("%(what)s, vertex %(index)d: %(problem)s.") % {"what": what, "index": index, "problem": problem},
                field=field,
                code="coordinates",
            )
    if geom.is_empty:
        raise GeneratorError(_("%(what)s is empty.") % {"what": what}, field=field)
    if not geom.is_valid:
        raise GeneratorError(
            _("%(what)s is not a valid polygon: %(reason)s. Redraw it so that its edges do not cross.")
            % {"what": what, "reason": invalid_reason(geom)},
            field=field,
            code="invalid_polygon",
        )
    if geom.area == 0:
        raise GeneratorError(_("%(what)s has no area.") % {"what": what}, field=field)
    return geom


def _line(geojson: Any, what: str, field: str) -> shp.LineString:
    if not isinstance(geojson, dict) or geojson.get("type") != "LineString":
        found = geojson.get("type") if isinstance(geojson, dict) else type(geojson).__name__
        raise GeneratorError(
            _("%(what)s must be a GeoJSON LineString (found %(found)s).") % {"what": what, "found": found}, field=field
        )
    try:
        line = shp.shape(geojson)
    except Exception as exc:  # noqa: BLE001 - shapely raises several types for malformed coordinates
        raise GeneratorError(
            _("%(what)s has malformed coordinates: %(error)s.") % {"what": what, "error": exc}, field=field
        ) from None
    for index, (lon, lat) in enumerate(shapely.get_coordinates(line), start=1):
        problem = point_problem(float(lat), float(lon))
        if problem:
            raise GeneratorError(
                _("%(what)s, point %(index)d: %(problem)s.") % {"what": what, "index": index, "problem": problem},
                field=field,
                code="coordinates",
            )
    return line
