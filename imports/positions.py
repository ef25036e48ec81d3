"""Where a record is: ``lat``/``lon`` columns, or a geo file's Point or Polygon geometry."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from django.utils.translation import gettext_noop

from common.geo import Crs
from common.texts import text
from imports.columns import Checker, Sheet
from imports.geometry import Positions, convert_points, convert_polygons, representative_points

_POINT = 0
_POLYGON = 3
_MULTIPOLYGON = 6


@dataclass
class Located:
    """WGS-84 positions of the records and, for polygon features, their WGS-84 polygons."""

    positions: Positions
    polygons: np.ndarray | None  # object array (None per record without one); None for spreadsheets
    given: np.ndarray  # records that have a position at all


def locate(
    checker: Checker,
    sheet: Sheet,
    crs: Crs,
    *,
    required: bool,
    polygons: bool,
    point_in_polygon: bool = True,
) -> Located:
    """Positions from the columns, or from the geometry of geo files, converted from ``crs`` to WGS-84.

    Point features give the position. Polygon features (when ``polygons``) give
    a polygon and, if ``point_in_polygon`` and ``lat``/``lon`` are empty, a
    point inside it. A record without any position is an error when ``required``.
    """
    count = len(sheet)
    lat = checker.number("lat")
    lon = checker.number("lon")
    lat = np.full(count, np.nan) if lat is None else lat
    lon = np.full(count, np.nan) if lon is None else lon
    lat_text, lon_text = sheet.text("lat"), sheet.text("lon")
    # A value that is present but not a number has been reported already.
    typed = (lat_text != "").to_numpy() | (lon_text != "").to_numpy()
    one_only = (lat_text != "").to_numpy() != (lon_text != "").to_numpy()
    shown = (lat_text + ", " + lon_text).where(typed, "").tolist()
    shapes = None
    geometries = sheet.geometries
    if geometries is not None:
        types = shapely.get_type_id(geometries)
        is_point = types == _POINT
        lon[is_point] = shapely.get_x(geometries[is_point])
        lat[is_point] = shapely.get_y(geometries[is_point])
        one_only[is_point] = False
        for index in np.flatnonzero(is_point):
            shown[index] = ""
        is_polygon = (types == _POLYGON) | (types == _MULTIPOLYGON)
        if polygons:
            polygon_input = np.where(is_polygon, geometries, None)
            shapes = convert_polygons(checker, polygon_input, crs, required=False)
            if point_in_polygon:
                rep_lat, rep_lon = representative_points(np.where(is_polygon, geometries, None))
                fill = is_polygon & np.isnan(lat) & np.isnan(lon)
                lat[fill], lon[fill] = rep_lat[fill], rep_lon[fill]
                # An unusable polygon has been reported; do not also call its position missing.
                typed |= is_polygon
        other = ~is_point & ~(is_polygon & polygons) & ~shapely.is_missing(geometries)
        message = (
            gettext_noop("The geometry is a %(type)s; use a Point or a Polygon.")
            if polygons
            else gettext_noop("The geometry is a %(type)s; use a Point.")
        )
        for index in np.flatnonzero(other & np.isnan(lat)):
            checker.error(int(index), "geometry", text(message, type=geometries[index].geom_type))
            typed[index] = True
    for index in np.flatnonzero(one_only):
        checker.error(int(index), "lat", text(gettext_noop("Give both latitude and longitude, or neither.")))
    given = ~np.isnan(lat) & ~np.isnan(lon)
    if required:
        column = "lat" if geometries is None else "geometry"
        for index in np.flatnonzero(~given & ~typed & ~one_only):
            checker.error(int(index), column, text(gettext_noop("Latitude and longitude are required.")))
    positions = convert_points(checker, lat, lon, crs, column="lat", shown=shown)
    return Located(positions, shapes, given)
