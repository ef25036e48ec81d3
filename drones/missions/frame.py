"""The local metric frame the airspace checks and the fence work in: the UTM zone of the launch point.

Stored geometry is WGS-84 GeoJSON (longitude, latitude). Distances, buffers and
intersections are computed in metres in the UTM zone of the launch point
(``common.geo.utm_epsg``; EPSG:32650 for the sample county), where a straight
segment between two waypoints is what the autopilot flies. A mission spans at
most a few kilometres, so the UTM scale error (under 0.1 %) does not matter.

Every transform goes through one cached ``pyproj.Transformer`` per zone and
direction, applied to all coordinates of a batch of geometries in one call.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely import geometry as shp

from common.geo import geometry_to_geojson, utm_epsg


@lru_cache(maxsize=32)
def _transformers(epsg: int) -> tuple[Transformer, Transformer]:
    forward = Transformer.from_crs(4326, epsg, always_xy=True)
    inverse = Transformer.from_crs(epsg, 4326, always_xy=True)
    return forward, inverse


class LocalFrame:
    """WGS-84 <-> UTM metres around one point (the launch point of a mission)."""

    def __init__(self, lat: float, lon: float):
        self.epsg = utm_epsg(lon, lat)
        self._forward, self._inverse = _transformers(self.epsg)

    # --- points ------------------------------------------------------------------------------------

    def xy(self, lat, lon) -> tuple[np.ndarray, np.ndarray]:
        """Easting/northing in metres of WGS-84 latitudes and longitudes (scalars or arrays)."""
        x, y = self._forward.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def latlon(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        lon, lat = self._inverse.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        return np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)

    def point_xy(self, lat: float, lon: float) -> tuple[float, float]:
        """Easting/northing in metres of one WGS-84 point, as plain floats (for route building)."""
        x, y = self._forward.transform(lon, lat)
        return float(x), float(y)

    def point_latlon(self, x: float, y: float) -> tuple[float, float]:
        """WGS-84 latitude and longitude of one local point in metres, as plain floats."""
        lon, lat = self._inverse.transform(x, y)
        return float(lat), float(lon)

    # --- geometries --------------------------------------------------------------------------------

    def _forward_xy(self, coords: np.ndarray) -> np.ndarray:
        x, y = self._forward.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    def _inverse_xy(self, coords: np.ndarray) -> np.ndarray:
        lon, lat = self._inverse.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    def to_local(self, geometries):
        """WGS-84 shapely geometry (or an array of them) to UTM metres, all coordinates in one call."""
        return shapely.transform(geometries, self._forward_xy)

    def to_wgs84(self, geometries):
        return shapely.transform(geometries, self._inverse_xy)

    def geojson(self, geometry) -> dict[str, Any] | None:
        """A local geometry as WGS-84 GeoJSON (for the map and for storing)."""
        if geometry is None or geometry.is_empty:
            return None
        return geometry_to_geojson(self.to_wgs84(geometry))

    def shape(self, geojson: dict[str, Any]):
        """A WGS-84 GeoJSON geometry as a local shapely geometry."""
        return self.to_local(shp.shape(geojson))


def polygon_parts(geometry) -> Iterable:
    """The polygons of a Polygon, MultiPolygon or collection (other parts are dropped)."""
    if geometry is None or geometry.is_empty:
        return []
    if geometry.geom_type == "Polygon":
        return [geometry]
    if geometry.geom_type in ("MultiPolygon", "GeometryCollection"):
        parts = []
        for part in geometry.geoms:
            parts.extend(polygon_parts(part))
        return parts
    return []


def circle_geojson(lat: float, lon: float, radius_m: float, *, quad_segs: int = 16) -> dict[str, Any]:
    """A circle of ``radius_m`` around a WGS-84 point, drawn in its UTM zone: GeoJSON Polygon, WGS-84.

    ``quad_segs`` vertices per quarter circle (16: a 64-gon, whose area is 0.4 %
    less than the circle's).
    """
    frame = LocalFrame(lat, lon)
    x, y = frame.xy(lat, lon)
    return frame.geojson(shp.Point(float(x), float(y)).buffer(radius_m, quad_segs=quad_segs))


def buffer_geojson(geometry: dict[str, Any], distance_m: float, *, quad_segs: int = 8) -> dict[str, Any]:
    """A WGS-84 GeoJSON geometry grown by ``distance_m`` metres (in its UTM zone)."""
    shape = shp.shape(geometry)
    centre = shape.representative_point()
    frame = LocalFrame(centre.y, centre.x)
    return frame.geojson(frame.to_local(shape).buffer(distance_m, quad_segs=quad_segs))
