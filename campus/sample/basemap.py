"""The sample county's base map: ``sample_basemap_write`` renders its landscape into an MBTiles file.

Web-Mercator PNG tiles (256 px, palette images: a tile is a few hundred bytes to a few kB) for zooms
``MIN_ZOOM``-``MAX_ZOOM`` over the county and a margin, drawn with Pillow: countryside, the county town,
villages, rivers, roads, township and county boundaries. No labels (no CJK font is assumed); the app's
own vector layers name the schools and stations. The same county and seed give the same tiles, and
the file is generated (``manage.py load_sample_basemap``), never committed.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from campus.sample.county import SampleCounty
from campus.sample.generator import SEED, generate_county
from campus.sample.landscape import SampleLandscape, sample_landscape
from common.tiles import TileSetInfo, inspect_mbtiles, lat_lon_to_tile, mbtiles_write

MIN_ZOOM = 10
MAX_ZOOM = 15
TILE_PX = 256
MARGIN_DEG = 0.02
LAYER_NAME = "sample"
LABEL = "示例县底图（样例）"
# Bump when the drawing changes: load_sample_basemap regenerates a file of another version.
RENDER_VERSION = "1"

# Palette: index -> colour. Drawing in a palette image keeps the PNGs small and fast to write.
PALETTE = [
    (228, 226, 222),  # 0 outside the county
    (241, 238, 228),  # 1 countryside
    (232, 222, 214),  # 2 county town
    (222, 210, 192),  # 3 village
    (170, 211, 223),  # 4 water
    (255, 255, 255),  # 5 street / lane
    (247, 208, 138),  # 6 main road
    (232, 146, 162),  # 7 highway
    (160, 150, 180),  # 8 township boundary
    (120, 90, 140),  # 9 county boundary
    (190, 185, 178),  # 10 road casing
]
_FLAT_PALETTE = [c for rgb in PALETTE for c in rgb] + [0] * (768 - 3 * len(PALETTE))


def _world_px(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Web-Mercator pixel coordinates at zoom 0 (0-256 across the world) of WGS-84 lon/lat arrays."""
    x = (lon + 180.0) / 360.0 * TILE_PX
    lat_rad = np.radians(np.clip(lat, -85.0511, 85.0511))
    y = (1.0 - np.arcsinh(np.tan(lat_rad)) / np.pi) / 2.0 * TILE_PX
    return np.column_stack([x, y])


def _rings(geom) -> list[np.ndarray]:
    polygons = getattr(geom, "geoms", [geom])
    out = []
    for polygon in polygons:
        coords = np.asarray(polygon.exterior.coords)
        out.append(_world_px(coords[:, 0], coords[:, 1]))
    return out


def _line(geom) -> np.ndarray:
    coords = np.asarray(geom.coords)
    return _world_px(coords[:, 0], coords[:, 1])


@dataclass(frozen=True)
class _Shape:
    kind: str  # fill or line
    colour: int
    points: np.ndarray  # zoom-0 world pixels
    width_m: float = 0.0  # lines: width on the ground
    min_px: float = 1.0  # lines: never thinner than this
    min_zoom: int = 0

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (*self.points.min(axis=0), *self.points.max(axis=0))


def _shapes(land: SampleLandscape) -> list[_Shape]:
    """Everything to draw, bottom first."""
    shapes = [_Shape("fill", 1, ring) for ring in _rings(land.boundary)]
    shapes += [_Shape("fill", 2, ring) for ring in _rings(land.town)]
    shapes += [_Shape("fill", 3, ring, min_zoom=11) for v in land.villages for ring in _rings(v.outline)]
    shapes += [
        _Shape("line", 4, _line(r.line), width_m=r.width_m, min_px=3.0 if r.width_m > 50 else 2.0) for r in land.rivers
    ]
    styles = {
        "lane": (5, 6.0, 1.0, 12),
        "street": (5, 12.0, 1.0, 12),
        "main": (6, 18.0, 2.0, 0),
        "highway": (7, 26.0, 3.0, 0),
    }
    for kind in ("lane", "street", "main", "highway"):
        colour, width_m, min_px, min_zoom = styles[kind]
        for road in land.roads:
            if road.kind == kind:
                points = _line(road.line)
                shapes.append(_Shape("line", 10, points, width_m=width_m * 1.6, min_px=min_px + 1, min_zoom=min_zoom))
                shapes.append(_Shape("line", colour, points, width_m=width_m, min_px=min_px, min_zoom=min_zoom))
    shapes += [_Shape("outline", 8, ring, min_px=1.0) for t in land.townships for ring in _rings(t)]
    shapes += [_Shape("outline", 9, ring, min_px=2.0) for ring in _rings(land.boundary)]
    return shapes


def _metres_per_px(zoom: int, lat: float) -> float:
    return 40_075_016.686 * math.cos(math.radians(lat)) / (TILE_PX * 2**zoom)


def _render_tile(shapes: list[_Shape], zoom: int, x: int, y: int, lat: float) -> bytes:
    scale = 2**zoom
    x0, y0 = x * TILE_PX, y * TILE_PX
    pad = 8
    image = Image.new("P", (TILE_PX, TILE_PX), 0)
    image.putpalette(_FLAT_PALETTE)
    draw = ImageDraw.Draw(image)
    m_per_px = _metres_per_px(zoom, lat)
    for shape in shapes:
        if zoom < shape.min_zoom:
            continue
        bx0, by0, bx1, by1 = (v * scale for v in shape.bbox)
        if bx1 < x0 - pad or bx0 > x0 + TILE_PX + pad or by1 < y0 - pad or by0 > y0 + TILE_PX + pad:
            continue
        pts = shape.points * scale - (x0, y0)
        xy = [(float(px), float(py)) for px, py in pts]
        if shape.kind == "fill":
            draw.polygon(xy, fill=shape.colour)
        else:
            width = max(shape.min_px, shape.width_m / m_per_px)
            draw.line(xy, fill=shape.colour, width=max(1, round(width)), joint="curve")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def sample_basemap_tiles(
    county: SampleCounty, *, seed: int = SEED, zooms: range = range(MIN_ZOOM, MAX_ZOOM + 1)
) -> tuple[tuple[float, float, float, float], Iterator[tuple[int, int, int, bytes]]]:
    """The bounds (west, south, east, north) and the XYZ tiles of the county's base map."""
    land = sample_landscape(county, seed)
    shapes = _shapes(land)
    west, south, east, north = land.boundary.bounds
    bounds = (
        round(west - MARGIN_DEG, 6),
        round(south - MARGIN_DEG, 6),
        round(east + MARGIN_DEG, 6),
        round(north + MARGIN_DEG, 6),
    )
    lat = (south + north) / 2

    def tiles() -> Iterator[tuple[int, int, int, bytes]]:
        for zoom in zooms:
            x_min, y_min = lat_lon_to_tile(zoom, bounds[3], bounds[0])
            x_max, y_max = lat_lon_to_tile(zoom, bounds[1], bounds[2])
            for x in range(x_min, x_max + 1):
                for y in range(y_min, y_max + 1):
                    yield zoom, x, y, _render_tile(shapes, zoom, x, y, lat)

    return bounds, tiles()


def sample_basemap_write(
    path: Path,
    *,
    county: SampleCounty | None = None,
    seed: int = SEED,
    zooms: range = range(MIN_ZOOM, MAX_ZOOM + 1),
) -> TileSetInfo:
    """Render the sample county's base map into the MBTiles file ``path`` (replaced whole)."""
    county = county or generate_county(seed)
    bounds, tiles = sample_basemap_tiles(county, seed=seed, zooms=zooms)
    west, south, east, north = bounds
    metadata = {
        "name": LABEL,
        "format": "png",
        "type": "baselayer",
        "minzoom": str(zooms[0]),
        "maxzoom": str(zooms[-1]),
        "bounds": f"{west},{south},{east},{north}",
        "center": f"{(west + east) / 2:.6f},{(south + north) / 2:.6f},{zooms[0]}",
        "description": "Fictitious sample county base map (样例数据) generated by campus.sample.basemap.",
        "attribution": "示例县（样例）",
        "crs": "wgs84",
        "generator": f"campus.sample.basemap/{RENDER_VERSION}/{seed}/{zooms[0]}-{zooms[-1]}",
    }
    mbtiles_write(path, tiles, metadata=metadata)
    return inspect_mbtiles(path, count_tiles=True)


def sample_basemap_current(path: Path, *, seed: int = SEED) -> bool:
    """Whether ``path`` is a sample base map this code would render again as it is."""
    from common.tiles import TileSourceError, open_readonly

    try:
        inspect_mbtiles(path)
        with open_readonly(path) as conn:
            row = conn.execute("SELECT value FROM metadata WHERE name = 'generator'").fetchone()
    except (TileSourceError, OSError):
        return False
    return bool(row) and row[0] == f"campus.sample.basemap/{RENDER_VERSION}/{seed}/{MIN_ZOOM}-{MAX_ZOOM}"
