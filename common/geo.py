"""Coordinates: Chinese map datums, sanity checks, and GeoJSON geometry validation.

Everything stored is WGS-84 (what GPS, MAVLink and Tianditu use). Spreadsheets
copied from AMap/Tencent are GCJ-02 and from Baidu BD-09, offset by roughly
100-700 m; ``to_wgs84`` converts them. The functions take and return NumPy
arrays as well as scalars so an import of 10,000 rows converts in one call.

Metric work (distances, buffers) happens in the local UTM zone (``utm_crs``).
"""

from __future__ import annotations

import json
import math
from enum import StrEnum
from typing import Any

import numpy as np
import shapely
from django.utils.translation import gettext_lazy, gettext_noop
from shapely import geometry as shp
from shapely.validation import explain_validity

from common.texts import Text, text

# Krasovsky 1940 ellipsoid, which the GCJ-02 offset formula is defined on.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0

# Mainland China's bounding box (with a small margin), WGS-84 degrees.
CHINA_LAT = (3.8, 53.6)
CHINA_LON = (73.4, 135.1)


class Crs(StrEnum):
    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


CRS_LABEL_IDS = {
    Crs.WGS84: gettext_noop("WGS-84 (GPS, Tianditu, CGCS2000)"),
    Crs.GCJ02: gettext_noop("GCJ-02 (AMap, Tencent)"),
    Crs.BD09: gettext_noop("BD-09 (Baidu)"),
}
CRS_LABELS = {crs: gettext_lazy(msgid) for crs, msgid in CRS_LABEL_IDS.items()}


def crs_text(crs: Crs | str) -> Text:
    """The datum's label as a ``Text``: a stored message naming it reads in the reader's language."""
    return text(CRS_LABEL_IDS[Crs(crs)])


def _offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 minus WGS-84 at a WGS-84 position, in degrees (dlon, dlat)."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x + common
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x + common
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon, lat):
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    dlon, dlat = _offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon, lat):
    """Inverse of ``wgs84_to_gcj02`` by fixed-point iteration (error well under 1 cm)."""
    g_lon = np.asarray(lon, dtype=float)
    g_lat = np.asarray(lat, dtype=float)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(8):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        w_lon = w_lon - (f_lon - g_lon)
        w_lat = w_lat - (f_lat - g_lat)
    return w_lon, w_lat


def gcj02_to_bd09(lon, lat):
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd09_to_gcj02_approx(lon, lat):
    x = np.asarray(lon, dtype=float) - 0.0065
    y = np.asarray(lat, dtype=float) - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def bd09_to_gcj02(lon, lat):
    """Inverse of ``gcj02_to_bd09``: the usual closed form (off by up to ~0.15 m), refined by iteration."""
    b_lon = np.asarray(lon, dtype=float)
    b_lat = np.asarray(lat, dtype=float)
    g_lon, g_lat = _bd09_to_gcj02_approx(b_lon, b_lat)
    for _ in range(4):
        f_lon, f_lat = gcj02_to_bd09(g_lon, g_lat)
        g_lon = g_lon - (f_lon - b_lon)
        g_lat = g_lat - (f_lat - b_lat)
    return g_lon, g_lat


def to_wgs84(lon, lat, crs: Crs | str):
    """Convert longitude/latitude (scalars or arrays) from ``crs`` to WGS-84."""
    crs = Crs(crs)
    if crs is Crs.WGS84:
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if crs is Crs.GCJ02:
        return gcj02_to_wgs84(lon, lat)
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def from_wgs84(lon, lat, crs: Crs | str):
    crs = Crs(crs)
    if crs is Crs.WGS84:
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if crs is Crs.GCJ02:
        return wgs84_to_gcj02(lon, lat)
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def in_china(lat: float, lon: float) -> bool:
    return CHINA_LAT[0] <= lat <= CHINA_LAT[1] and CHINA_LON[0] <= lon <= CHINA_LON[1]


def point_problem(lat: float, lon: float) -> Text | None:
    """Why a WGS-84 (lat, lon) cannot be a place in China, or None if it can; in the active language, and
    as a ``Text`` so a stored report shows it in its reader's.

    Spots the common spreadsheet mistake of latitude and longitude swapped.
    """
    if lat is None or lon is None or math.isnan(lat) or math.isnan(lon):
        return text(gettext_noop("latitude and longitude are required"))
    if not (-90.0 <= lat <= 90.0):
        if in_china(lon, lat):
            return text(gettext_noop("latitude %(lat)s and longitude %(lon)s look swapped"), lat=lat, lon=lon)
        return text(gettext_noop("latitude %(lat)s is out of range (-90..90)"), lat=lat)
    if not (-180.0 <= lon <= 180.0):
        return text(gettext_noop("longitude %(lon)s is out of range (-180..180)"), lon=lon)
    if in_china(lat, lon):
        return None
    if in_china(lon, lat):
        return text(gettext_noop("latitude %(lat)s and longitude %(lon)s look swapped"), lat=lat, lon=lon)
    return text(gettext_noop("(%(lat)s, %(lon)s) is outside China"), lat=lat, lon=lon)


def utm_epsg(lon: float, lat: float) -> int:
    """EPSG code of the UTM zone containing the point (northern zones 326xx)."""
    zone = int((lon + 180.0) // 6.0) + 1
    return (32600 if lat >= 0 else 32700) + zone


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS-84 points."""
    r = 6371008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


class GeometryError(ValueError):
    pass


def polygon_from_geojson(geometry: dict[str, Any], *, allow_multi: bool = True):
    """A valid shapely (Multi)Polygon from a GeoJSON geometry dict (WGS-84), or GeometryError.

    The message says what is wrong: wrong type, too few points, self-intersection
    (with where), or coordinates outside China / swapped.
    """
    if not isinstance(geometry, dict) or "type" not in geometry:
        raise GeometryError("not a GeoJSON geometry (needs 'type' and 'coordinates')")
    kinds = ("Polygon", "MultiPolygon") if allow_multi else ("Polygon",)
    if geometry["type"] not in kinds:
        raise GeometryError(f"geometry type {geometry['type']!r} is not one of {', '.join(kinds)}")
    try:
        geom = shp.shape(geometry)
    except Exception as exc:  # noqa: BLE001 - shapely raises several types for malformed input
        raise GeometryError(f"malformed coordinates: {exc}") from None
    return validate_polygon(geom)


def validate_polygon(geom):
    """Check a shapely polygon for emptiness, validity and position; return it or raise."""
    if geom.is_empty:
        raise GeometryError("polygon is empty")
    if not geom.is_valid:
        raise GeometryError(f"invalid polygon: {explain_validity(geom)}")
    minx, miny, maxx, maxy = geom.bounds
    for lat, lon in ((miny, minx), (maxy, maxx)):
        problem = point_problem(lat, lon)
        if problem:
            raise GeometryError(f"polygon vertex: {problem}")
    return geom


def geometry_to_geojson(geom) -> dict[str, Any] | None:
    """GeoJSON dict with plain lists (JSON-field friendly), or None."""
    if geom is None:
        return None
    return json.loads(shapely.to_geojson(geom))
