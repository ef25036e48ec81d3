"""Ground heights from a digital elevation model (DEM): the optional terrain model of the checks.

Heights in a mission are above the launch point; the law's ceiling (120 m, 真高) is above the ground.
With a terrain model the checks can tell one from the other: ``ground_m`` gives the ground's height
above mean sea level at WGS-84 points, read from a single-band GeoTIFF in any coordinate reference
system (SRTM, ASTER GDEM and Copernicus GLO-30 tiles come in EPSG:4326; a surveyed county model may
be in a UTM zone or CGCS2000 3-degree zone), with bilinear interpolation between cell centres.

``settings.DRONE_TERRAIN_DEM`` names the file:

- ``"sample"`` (the default): the sample county's generated model, ``<MAP_TILES_DIR>/sample-terrain.tif``
  (``manage.py load_sample_terrain``), when that file exists; otherwise there is no terrain model.
- ``"none"`` or ``""``: no terrain model; the checks know heights above the launch point only.
- anything else: the path of a GeoTIFF.

A point outside the model or on a cell without data (its nodata value, NaN, a masked cell) is unknown:
``None``, never 0, so a hole in the model is never taken for sea level. The file is opened once per
process and reopened when it changes on disk (its size or modification time); reads go through one lock
per file, since a rasterio dataset must not be read from two threads at once. Each call reads only the
windows of the file around the points it asks for (a mission spans a few dozen cells), so a model of a
whole province costs no more memory than one of a village.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SAMPLE_DEM_NAME = "sample-terrain.tif"
# Points are read in blocks of this many cells a side (one window each): a route within sight of its
# launch point is one block; points spread over a county a few.
_BLOCK_CELLS = 512


class TerrainError(Exception):
    """The configured terrain model cannot be used (missing, not a raster, no coordinate reference system)."""


def dem_path() -> Path | None:
    """The terrain model file in use, or None when there is none (see the module docstring)."""
    from django.conf import settings

    value = str(getattr(settings, "DRONE_TERRAIN_DEM", "") or "").strip()
    if value.lower() in ("", "none", "off"):
        return None
    if value.lower() == "sample":
        from common.tiles import tiles_dir

        path = tiles_dir() / SAMPLE_DEM_NAME
        return path if path.is_file() else None
    return Path(value)


@dataclass
class _Dem:
    path: Path
    stamp: tuple[int, int]  # (size, mtime_ns) when opened
    dataset: object  # rasterio DatasetReader
    to_dem: object | None  # pyproj Transformer from WGS-84 lon/lat, None when the model is in WGS-84
    inverse: object  # affine.Affine: model x/y -> fractional column/row (cell corners at integers)
    width: int
    height: int
    scale: float
    offset: float
    lock: threading.Lock


_open: dict[Path, _Dem] = {}
_open_lock = threading.Lock()


def _stamp(path: Path) -> tuple[int, int]:
    try:
        st = os.stat(path)
    except OSError as exc:
        raise TerrainError(f"The terrain model {path} cannot be read: {exc.strerror or exc}.") from None
    return st.st_size, st.st_mtime_ns


def _open_dem(path: Path, stamp: tuple[int, int]) -> _Dem:
    import rasterio
    from pyproj import CRS, Transformer
    from rasterio.errors import RasterioIOError

    try:
        dataset = rasterio.open(path)
    except RasterioIOError as exc:
        raise TerrainError(f"The terrain model {path} is not a raster rasterio can read: {exc}.") from None
    if dataset.crs is None:
        dataset.close()
        raise TerrainError(f"The terrain model {path} has no coordinate reference system.")
    crs = CRS.from_wkt(dataset.crs.to_wkt())
    wgs84 = CRS.from_epsg(4326)
    to_dem = None if crs.equals(wgs84, ignore_axis_order=True) else Transformer.from_crs(wgs84, crs, always_xy=True)
    return _Dem(
        path=path,
        stamp=stamp,
        dataset=dataset,
        to_dem=to_dem,
        inverse=~dataset.transform,
        width=dataset.width,
        height=dataset.height,
        scale=float(dataset.scales[0] if dataset.scales else 1.0),
        offset=float(dataset.offsets[0] if dataset.offsets else 0.0),
        lock=threading.Lock(),
    )


def _dem() -> _Dem | None:
    """The open model of ``dem_path()``, opened again when the file changed; None without one."""
    path = dem_path()
    if path is None:
        return None
    stamp = _stamp(path)
    with _open_lock:
        dem = _open.get(path)
        if dem is not None and dem.stamp == stamp:
            return dem
        if dem is not None:
            with dem.lock:
                dem.dataset.close()
        dem = _open[path] = _open_dem(path, stamp)
        return dem


def terrain_available() -> bool:
    """Whether a terrain model is configured and can be opened."""
    try:
        return _dem() is not None
    except TerrainError:
        return False


def terrain_identity() -> str:
    """What a check with the terrain model read, for its basis: the file and its size and time; "" without one."""
    path = dem_path()
    if path is None:
        return ""
    try:
        size, mtime_ns = _stamp(path)
    except TerrainError:
        return f"{path}:unreadable"
    return f"{path}:{size}:{mtime_ns}"


def ground_m(lat_lon_pairs: Sequence[tuple[float, float]]) -> list[float | None]:
    """The ground's height above mean sea level (m, as the model gives it) at each WGS-84 (lat, lon);
    None where the model has no value. All None without a terrain model. TerrainError for a model that
    cannot be read."""
    if not len(lat_lon_pairs):
        return []
    lat_lon = np.asarray(lat_lon_pairs, dtype=float).reshape(-1, 2)
    heights = ground_array(lat_lon[:, 0], lat_lon[:, 1])
    return [None if math.isnan(h) else float(h) for h in heights]


def ground_array(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """``ground_m`` for arrays (WGS-84 degrees): metres above sea level, NaN where unknown."""
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    out = np.full(lat.shape, np.nan)
    dem = _dem()
    if dem is None or not lat.size:
        return out
    with dem.lock:
        # pyproj transformers and rasterio datasets are each used by one thread at a time.
        x, y = (lon, lat) if dem.to_dem is None else dem.to_dem.transform(lon, lat)
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        inv = dem.inverse
        col, row = inv.a * x + inv.b * y + inv.c, inv.d * x + inv.e * y + inv.f
        values = _bilinear(dem, col, row)
    out[...] = values.reshape(lat.shape)
    return out


def _bilinear(dem: _Dem, col: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Bilinear interpolation between the centres of the cells around fractional (col, row) positions.

    Cell (c, r) covers columns c..c+1 and has its value at its centre, c + 0.5. Points in the outer half
    cell take the edge cells' values (the model covers its whole extent); points outside are NaN, and so is
    a point whose interpolation would weigh a cell without data.
    """
    col, row = col.ravel(), row.ravel()
    result = np.full(col.shape, np.nan)
    inside = np.isfinite(col) & np.isfinite(row) & (col >= 0) & (col <= dem.width) & (row >= 0) & (row <= dem.height)
    if not inside.any():
        return result
    u = np.clip(col[inside] - 0.5, 0.0, dem.width - 1)
    v = np.clip(row[inside] - 0.5, 0.0, dem.height - 1)
    c0 = np.minimum(np.floor(u).astype(np.int64), max(dem.width - 2, 0))
    r0 = np.minimum(np.floor(v).astype(np.int64), max(dem.height - 2, 0))
    fu, fv = u - c0, v - r0
    c1 = np.minimum(c0 + 1, dem.width - 1)
    r1 = np.minimum(r0 + 1, dem.height - 1)
    values = np.full(u.shape, np.nan)
    blocks = (c0 // _BLOCK_CELLS) * (dem.height // _BLOCK_CELLS + 1) + r0 // _BLOCK_CELLS
    for block in np.unique(blocks):
        sel = blocks == block
        grid, known, col_off, row_off = _read(dem, int(c0[sel].min()), int(r0[sel].min()), c1[sel], r1[sel])
        a, b = c0[sel] - col_off, c1[sel] - col_off
        p, q = r0[sel] - row_off, r1[sel] - row_off
        wu, wv = fu[sel], fv[sel]
        corners = (
            (p, a, (1 - wu) * (1 - wv)),
            (p, b, wu * (1 - wv)),
            (q, a, (1 - wu) * wv),
            (q, b, wu * wv),
        )
        total = np.zeros(wu.shape)
        missing = np.zeros(wu.shape, dtype=bool)
        for rows, cols, weight in corners:
            total += np.where(known[rows, cols], grid[rows, cols], 0.0) * weight
            missing |= ~known[rows, cols] & (weight > 0)
        values[sel] = np.where(missing, np.nan, total)
    result[inside] = values * dem.scale + dem.offset
    return result


def _read(dem: _Dem, col_off: int, row_off: int, c1: np.ndarray, r1: np.ndarray):
    """The window from (col_off, row_off) to the largest (c1, r1), as float values and a known-mask."""
    from rasterio.windows import Window

    width = int(c1.max()) - col_off + 1
    height = int(r1.max()) - row_off + 1
    data = dem.dataset.read(1, window=Window(col_off, row_off, width, height), masked=True)
    grid = np.ma.getdata(data).astype(float)
    known = ~np.ma.getmaskarray(data) & np.isfinite(grid)
    return grid, known, col_off, row_off


def close_all() -> None:
    """Close every open model (tests that replace a file in place between two reads of one second)."""
    with _open_lock:
        for dem in _open.values():
            with dem.lock:
                dem.dataset.close()
        _open.clear()
