"""Geometry of the sample county: boundary, Voronoi jurisdictions, town zones, point sampling.

All shapes are built in metres in UTM zone 50 N (EPSG:32650) and converted to
WGS-84 (EPSG:4326, lon/lat) only at the end, snapped to a 1e-6 degree grid
(about 0.1 m) so the output is short and identical on every run.
"""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely import geometry as shp
from shapely.ops import unary_union, voronoi_diagram

CENTER_LAT, CENTER_LON = 36.18, 118.17
METRIC_CRS = "EPSG:32650"
GRID_DEG = 1e-6
COORD_DECIMALS = 6

_TO_METRIC = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
_TO_WGS84 = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)


def center_metric() -> tuple[float, float]:
    x, y = _TO_METRIC.transform(CENTER_LON, CENTER_LAT)
    return round(x), round(y)


def _transform_xy(transformer: Transformer, xy: np.ndarray) -> np.ndarray:
    x, y = transformer.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def to_wgs84(geom):
    """A metric (EPSG:32650) shapely geometry as WGS-84 lon/lat, snapped to the output grid."""
    converted = shapely.transform(geom, lambda xy: _transform_xy(_TO_WGS84, xy))
    return shapely.set_precision(converted, GRID_DEG)


def to_metric(geom):
    """A WGS-84 lon/lat shapely geometry in EPSG:32650 metres (for areas and distances)."""
    return shapely.transform(geom, lambda xy: _transform_xy(_TO_METRIC, xy))


def point_to_wgs84(x: float, y: float) -> tuple[float, float]:
    """(lat, lon) in WGS-84 degrees, rounded to the output grid."""
    lon, lat = _TO_WGS84.transform(x, y)
    return round(float(lat), COORD_DECIMALS), round(float(lon), COORD_DECIMALS)


def point_to_metric(lat: float, lon: float) -> tuple[float, float]:
    """(x, y) metres in EPSG:32650 of a WGS-84 point."""
    x, y = _TO_METRIC.transform(lon, lat)
    return float(x), float(y)


def _round_coords(value: Any) -> Any:
    if isinstance(value, list | tuple) and value and isinstance(value[0], float | int):
        return [round(float(v), COORD_DECIMALS) for v in value]
    return [_round_coords(v) for v in value]


def geojson(geom) -> dict[str, Any]:
    """A plain-list GeoJSON dict of a WGS-84 geometry with coordinates rounded to 6 decimals."""
    mapping = shp.mapping(geom)
    return {"type": mapping["type"], "coordinates": _round_coords(mapping["coordinates"])}


def radial_polygon(
    rng: random.Random,
    center: tuple[float, float],
    *,
    radius_x_m: float,
    radius_y_m: float,
    vertices: int,
    wobble: float,
    jitter: float,
) -> shp.Polygon:
    """An irregular star-shaped polygon (always simple): an ellipse with low-frequency wobble."""
    phases = [rng.uniform(0.0, 2.0 * math.pi) for _ in range(3)]
    amplitudes = (wobble, wobble * 0.6, wobble * 0.3)
    harmonics = (2, 3, 5)
    points = []
    for i in range(vertices):
        theta = 2.0 * math.pi * i / vertices
        factor = 1.0 + sum(a * math.sin(k * theta + p) for a, k, p in zip(amplitudes, harmonics, phases, strict=True))
        factor += rng.uniform(-jitter, jitter)
        points.append(
            (
                round(center[0] + radius_x_m * factor * math.cos(theta)),
                round(center[1] + radius_y_m * factor * math.sin(theta)),
            )
        )
    return shp.Polygon(points)


def spread_points(
    rng: random.Random,
    region,
    count: int,
    *,
    existing: list[tuple[float, float]] | None = None,
    candidates: int = 30,
) -> list[tuple[float, float]]:
    """Mitchell's best-candidate sampling: ``count`` points in ``region``, far from each other and ``existing``."""
    chosen: list[tuple[float, float]] = []
    others = list(existing or [])
    for _ in range(count):
        best, best_d = None, -1.0
        for _ in range(candidates):
            x, y = random_point_in(rng, region)
            d = min((math.dist((x, y), p) for p in others + chosen), default=math.inf)
            if d > best_d:
                best, best_d = (x, y), d
        assert best is not None
        chosen.append(best)
    return chosen


def random_point_in(rng: random.Random, region) -> tuple[float, float]:
    """A uniformly random point (whole metres) inside ``region`` by rejection from its bounds."""
    minx, miny, maxx, maxy = region.bounds
    for _ in range(10_000):
        x, y = round(rng.uniform(minx, maxx)), round(rng.uniform(miny, maxy))
        if region.contains(shp.Point(x, y)):
            return float(x), float(y)
    raise ValueError("region too small to sample a point from")


def voronoi_partition(boundary: shp.Polygon, seeds: list[tuple[float, float]]) -> list:
    """One cell per seed (same order): the Voronoi partition of ``boundary``, each cell one polygon.

    Where clipping to a concave boundary leaves a cell in pieces, the pieces
    without the seed go to the neighbour they share most border with, so every
    cell is a single polygon and the cells still cover the boundary exactly.
    """
    diagram = voronoi_diagram(shp.MultiPoint(seeds), envelope=boundary.envelope.buffer(10_000))
    cells = []
    for x, y in seeds:
        seed = shp.Point(x, y)
        cell = next(c for c in diagram.geoms if c.contains(seed))
        cells.append(cell.intersection(boundary))
    for i, cell in enumerate(cells):
        if cell.geom_type != "MultiPolygon":
            continue
        seed = shp.Point(seeds[i])
        keep = next(p for p in cell.geoms if p.contains(seed))
        for piece in cell.geoms:
            if piece is keep or piece.equals(keep):
                continue
            shared = [(cells[j].intersection(piece.boundary).length, j) for j in range(len(cells)) if j != i]
            _, j = max(shared)
            cells[j] = unary_union([cells[j], piece])
        cells[i] = keep
    return cells


def grid_split(region: shp.Polygon, columns: int, rows: int) -> list[tuple[int, int, shp.Polygon]]:
    """Split ``region`` by a columns x rows grid over its bounds: (row from north, column from west, piece)."""
    minx, miny, maxx, maxy = region.bounds
    width, height = (maxx - minx) / columns, (maxy - miny) / rows
    pieces = []
    for row in range(rows):
        for col in range(columns):
            x0, y1 = minx + col * width, maxy - row * height
            cell = shp.box(round(x0), round(y1 - height), round(x0 + width), round(y1))
            piece = region.intersection(cell)
            if not piece.is_empty and piece.geom_type == "Polygon":
                pieces.append((row, col, piece))
    return pieces


def rotated_rectangle(
    center: tuple[float, float], half_width_m: float, half_height_m: float, angle_deg: float
) -> shp.Polygon:
    corners = [(-half_width_m, -half_height_m), (half_width_m, -half_height_m), (half_width_m, half_height_m)]
    corners.append((-half_width_m, half_height_m))
    return shp.Polygon([local_to_metric(center, dx, dy, angle_deg) for dx, dy in corners])


def local_to_metric(center: tuple[float, float], dx: float, dy: float, angle_deg: float) -> tuple[float, float]:
    """A point ``(dx, dy)`` metres from ``center`` in a frame rotated by ``angle_deg`` (counter-clockwise)."""
    a = math.radians(angle_deg)
    return (
        center[0] + dx * math.cos(a) - dy * math.sin(a),
        center[1] + dx * math.sin(a) + dy * math.cos(a),
    )
