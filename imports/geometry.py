"""Positions in imports: from the declared datum to WGS-84, checked with ``common.geo``.

Conversions run once over all records with NumPy. ``position_problem`` (out of
range, swapped, outside China: ``common.geo.point_problem``)
judges the converted WGS-84 values, except that values already out of range or
swapped in the file are reported as the file wrote them: converting nonsense only
gives different nonsense. The GCJ-02 and BD-09 offsets exist only inside China, so
a position outside China is never converted: it is reported as written. Polygons are
checked for validity in the file's coordinates (so the place named by
``explain_validity`` is one the user can find), then every vertex is
converted and the result is checked again with ``common.geo.validate_polygon``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from django.utils.translation import gettext_noop
from shapely.geometry import MultiPolygon
from shapely.validation import explain_validity

from common import geo
from common.geo import Crs, GeometryError, to_wgs84, validate_polygon
from common.texts import text
from imports.columns import Checker

POLYGON_TYPES = ("Polygon", "MultiPolygon")

_PLACE = re.compile(r"^(?P<reason>.*?)\[(?P<x>\S+) (?P<y>\S+)\]$")

# Overlaps smaller than this are drawing noise along a shared border, not a real overlap.
_MIN_OVERLAP_M2 = 1.0


def in_china(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Vectorised ``common.geo.in_china`` (False for NaN)."""
    with np.errstate(invalid="ignore"):
        return (
            (lat >= geo.CHINA_LAT[0])
            & (lat <= geo.CHINA_LAT[1])
            & (lon >= geo.CHINA_LON[0])
            & (lon <= geo.CHINA_LON[1])
        )


def position_problem(lat: float, lon: float) -> str | None:
    """Why a WGS-84 (lat, lon) cannot be a place in China, or None if it can: ``common.geo.point_problem``,
    a ``Text`` that the stored report shows in its reader's language."""
    return geo.point_problem(lat, lon)


def input_problem(lat: float, lon: float) -> str | None:
    """What is wrong with a position as the file wrote it, if it is out of range or swapped."""
    out_of_range = not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0)
    swapped = geo.in_china(lon, lat) and not geo.in_china(lat, lon)
    return position_problem(lat, lon) if out_of_range or swapped else None


def not_converted(lat: float, lon: float, crs: Crs) -> str:
    """The message for a position outside China in a file declared GCJ-02 or BD-09: left as written."""
    return text(
        gettext_noop(
            "(%(lat)s, %(lon)s) is outside China, where the %(crs)s offset does not apply: it was not converted. "
            "Check the coordinates, or declare WGS-84 if they are GPS positions."
        ),
        lat=lat,
        lon=lon,
        crs=geo.crs_text(crs),
    )


def after_conversion(crs: Crs) -> str:
    """`` (after conversion from GCJ-02 to WGS-84)`` for messages about converted positions; empty for WGS-84."""
    if crs is Crs.WGS84:
        return ""
    return text(" ") + text(gettext_noop("(after conversion from %(crs)s to WGS-84)"), crs=geo.crs_text(crs))


def _transformer(crs: Crs):
    def convert(xy: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            lon, lat = to_wgs84(xy[:, 0], xy[:, 1], crs)
        return np.column_stack([lon, lat])

    return convert


@dataclass
class Positions:
    """WGS-84 positions of the records; NaN where missing or unusable (``ok`` is False)."""

    lat: np.ndarray
    lon: np.ndarray
    ok: np.ndarray


def convert_points(
    checker: Checker,
    lat: np.ndarray,
    lon: np.ndarray,
    crs: Crs,
    *,
    column: str,
    shown: Sequence[str] | None = None,
) -> Positions:
    """Convert every (lat, lon) given in ``crs`` to WGS-84 in one call; report each impossible one.

    Records with NaN in ``lat`` or ``lon`` are skipped (the caller reports missing
    values). ``shown`` is each record's position as the file writes it, for messages.
    """
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    given = ~np.isnan(lat) & ~np.isnan(lon)
    # The China offsets are defined inside China only: a position outside it is not converted.
    convertible = given & (in_china(lat, lon) if crs is not Crs.WGS84 else True)
    lat_out = np.full(len(lat), np.nan)
    lon_out = np.full(len(lon), np.nan)
    if convertible.any():
        with np.errstate(all="ignore"):
            lon_conv, lat_conv = to_wgs84(lon[convertible], lat[convertible], crs)
        lat_out[convertible], lon_out[convertible] = lat_conv, lon_conv
    ok = convertible & in_china(lat_out, lon_out)
    for index in np.flatnonzero(given & ~ok):
        lat_in, lon_in = float(lat[index]), float(lon[index])
        problem = input_problem(lat_in, lon_in)
        if problem is None and not convertible[index]:
            problem = not_converted(lat_in, lon_in, crs)
        if problem is None:
            problem = (position_problem(float(lat_out[index]), float(lon_out[index])) or "") + after_conversion(crs)
        value = shown[index] if shown is not None and shown[index] else f"{lat_in!r}, {lon_in!r}"
        checker.error(int(index), column, problem, value)
    lat_out[~ok] = np.nan
    lon_out[~ok] = np.nan
    return Positions(lat_out, lon_out, ok)


def polygonal(geometry):
    """The geometry as a (Multi)Polygon if it is one, or a collection of only polygons; else None."""
    if geometry is None:
        return None
    if geometry.geom_type in POLYGON_TYPES:
        return geometry
    if geometry.geom_type == "GeometryCollection" and len(geometry.geoms):
        parts = []
        for part in geometry.geoms:
            if part.geom_type == "Polygon":
                parts.append(part)
            elif part.geom_type == "MultiPolygon":
                parts.extend(part.geoms)
            else:
                return None
        return MultiPolygon(parts)
    return None


def explain_invalid(geometry) -> str:
    """``explain_validity`` as a sentence with the place as longitude/latitude (a ``Text``; GEOS's reason
    itself is English whatever the language)."""
    reason = explain_validity(geometry)
    match = _PLACE.match(reason)
    if not match:
        return text(gettext_noop("The polygon is invalid: %(reason)s."), reason=reason)
    return text(
        gettext_noop("The polygon is invalid: %(reason)s at longitude %(lon)s, latitude %(lat)s."),
        reason=match["reason"],
        lon=match["x"],
        lat=match["y"],
    )


def convert_polygons(
    checker: Checker, geometries: np.ndarray, crs: Crs, *, column: str = "geometry", required: bool = True
) -> np.ndarray:
    """Check the polygons as drawn, convert every vertex to WGS-84 in one call, check again.

    Returns an object array of WGS-84 polygons, None where missing or invalid.
    """
    count = len(geometries)
    candidates = np.full(count, None, dtype=object)
    for index in range(count):
        geometry = geometries[index]
        if geometry is None:
            if required:
                checker.error(index, column, text(gettext_noop("The feature has no geometry; it needs a Polygon.")))
            continue
        shape = polygonal(geometry)
        if shape is None:
            checker.error(
                index,
                column,
                text(
                    gettext_noop("The geometry is a %(type)s; it needs a Polygon or MultiPolygon."),
                    type=geometry.geom_type,
                ),
            )
            continue
        if shape.is_empty:
            checker.error(index, column, text(gettext_noop("The polygon is empty.")))
            continue
        if not shape.is_valid:
            checker.error(index, column, explain_invalid(shape))
            continue
        minx, miny, maxx, maxy = shape.bounds
        problem = input_problem(miny, minx) or input_problem(maxy, maxx)
        if problem is None and crs is not Crs.WGS84:
            outside = [(y, x) for y, x in ((miny, minx), (maxy, maxx)) if not geo.in_china(y, x)]
            problem = not_converted(*outside[0], crs) if outside else None
        if problem:
            checker.error(index, column, text(gettext_noop("Polygon vertex: %(problem)s"), problem=problem))
            continue
        candidates[index] = shape
    converted = shapely.transform(candidates, _transformer(crs))
    result = np.full(count, None, dtype=object)
    for index in np.flatnonzero(~shapely.is_missing(converted)):
        minx, miny, maxx, maxy = converted[index].bounds
        problem = position_problem(miny, minx) or position_problem(maxy, maxx)
        if problem:
            checker.error(
                int(index),
                column,
                text(gettext_noop("Polygon vertex: %(problem)s"), problem=problem) + after_conversion(crs),
            )
            continue
        try:
            result[index] = validate_polygon(converted[index])
        except GeometryError as exc:
            # Valid before, inside China after: converting made it empty or invalid. Say so in the
            # reader's language; ``common.geo`` words any other rule (in English).
            shape = converted[index]
            if shape.is_empty:
                problem = text(gettext_noop("The polygon is empty."))
            elif not shape.is_valid:
                problem = explain_invalid(shape)
            else:
                problem = str(exc)
            checker.error(int(index), column, problem + after_conversion(crs))
    return result


def representative_points(geometries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lat, lon) of a point inside each valid polygon, NaN elsewhere."""
    lat = np.full(len(geometries), np.nan)
    lon = np.full(len(geometries), np.nan)
    usable = ~shapely.is_missing(geometries)
    usable[usable] = shapely.is_valid(geometries[usable]) & ~shapely.is_empty(geometries[usable])
    if usable.any():
        points = shapely.point_on_surface(geometries[usable])
        lon[usable] = shapely.get_x(points)
        lat[usable] = shapely.get_y(points)
    return lat, lon


def overlap_warnings(
    checker: Checker,
    geometries: np.ndarray,
    labels: Sequence[str],
    others: Sequence[tuple[str, object]],
    *,
    column: str = "geometry",
) -> int:
    """Warn on each record whose polygon overlaps another record's or a stored one (``others``).

    ``labels`` name the records (e.g. station codes), ``others`` are (label,
    WGS-84 polygon) pairs already in the database and not replaced by this
    file; a label that needs translating is a ``Text``. Returns how many overlaps were found.
    """
    import geopandas as gpd

    batch = [i for i in range(len(geometries)) if geometries[i] is not None]
    shapes = [geometries[i] for i in batch] + [shape for _label, shape in others]
    names = [labels[i] for i in batch] + [label for label, _shape in others]
    if len(shapes) < 2:
        return 0
    array = np.asarray(shapes, dtype=object)
    left, right = shapely.STRtree(array).query(array, predicate="intersects")
    keep = (left < right) & (left < len(batch))
    left, right = left[keep], right[keep]
    if not len(left):
        return 0
    overlaps = shapely.intersection(array[left], array[right])
    centre = shapely.centroid(shapely.union_all(array[left])).coords[0]
    utm = geo.utm_epsg(centre[0], centre[1])
    areas = gpd.GeoSeries(overlaps, crs=4326).to_crs(utm).area.to_numpy()
    found = 0
    for a, b, area in zip(left, right, areas, strict=True):
        if not math.isfinite(area) or area < _MIN_OVERLAP_M2:
            continue
        found += 1
        # Warn on the later record of two in the file, or on the file's record against a stored one.
        index, other = (batch[b], names[a]) if b < len(batch) else (batch[a], names[b])
        checker.warning(
            index,
            column,
            text(gettext_noop("Overlaps %(other)s by about %(area).3f km²."), other=other, area=float(area) / 1e6),
        )
    return found
