"""Offline base maps: raster tile layers read from MBTiles files with plain sqlite3.

An MBTiles file (https://github.com/mapbox/mbtiles-spec) is SQLite with ``metadata(name, value)`` and
``tiles(zoom_level, tile_column, tile_row, tile_data)``; rows count from the south (TMS), so the XYZ
``y`` Leaflet asks for is stored as ``2**z - 1 - y``. ``tiles`` may be a view (deduplicating writers
such as ``mbtiles_write`` join ``map`` and ``images``).

Layers come from two places, merged by name (settings win):
- ``settings.MAP_TILES``: named layers with a path and options (``parse_map_tiles``);
- the tiles directory ``settings.MAP_TILES_DIR``: every ``<name>.mbtiles`` in it is a layer named after
  the file; its label, overlay flag and CRS come from the file's metadata (``name``, ``type``, ``crs``),
  which ``manage.py import_mbtiles`` writes. No model: the directory is the registry.

Coordinates: bounds are WGS-84 degrees (west, south, east, north) unless the layer's ``crs`` is
``gcj02``, when the tiles are drawn in GCJ-02 and the browser shifts them (``client_config``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import sqlite3
import urllib.parse
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common.env import EnvError

logger = logging.getLogger(__name__)

LAYER_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
RASTER_FORMATS = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}
FORMAT_ALIASES = {"jpeg": "jpg"}
CRS_VALUES = ("wgs84", "gcj02")
MAX_ZOOM = 24
_LAYER_KEYS = {"path", "label", "overlay", "crs", "attribution"}


class TileSourceError(Exception):
    """A file that is not a usable raster MBTiles; ``code`` names the problem, the message says it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# -- configuration -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerOptions:
    """One configured layer: where its file is and how the map shows it."""

    name: str
    path: Path
    label: str = ""
    overlay: bool | None = None  # None: from the file's metadata ``type``
    crs: str = ""  # "" : from the file's metadata ``crs`` (default wgs84)
    attribution: str = ""


def parse_map_tiles(raw: str | Mapping[str, Any], *, source: str = "MAP_TILES") -> dict[str, LayerOptions]:
    """``MAP_TILES`` as layer options by name; any bad value raises ``EnvError`` naming it.

    ``raw`` is JSON text (from the environment) or an already parsed mapping (from a settings file):
    ``{"streets": {"path": "/srv/tiles/streets.mbtiles", "label": "街道"}, "notes": {"path": "...",
    "overlay": true, "crs": "gcj02"}}``.
    """
    if isinstance(raw, str):
        if not raw.strip():
            return {}
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise EnvError(f"{source} is not valid JSON: {exc}") from None
    if not isinstance(raw, Mapping):
        raise EnvError(f'{source} must be a JSON object of layers, e.g. {{"streets": {{"path": "..."}}}}.')
    layers = {}
    for name, spec in raw.items():
        where = f"{source}[{name!r}]"
        if not isinstance(name, str) or not LAYER_NAME_RE.match(name):
            raise EnvError(f"{where}: a layer name is 1-40 lower-case letters, digits, '-' or '_'.")
        if not isinstance(spec, Mapping):
            raise EnvError(f"{where} must be an object with at least a 'path'.")
        unknown = sorted(set(spec) - _LAYER_KEYS)
        if unknown:
            raise EnvError(f"{where}: unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(_LAYER_KEYS))}.")
        path = spec.get("path")
        if not isinstance(path, str) or not path.endswith(".mbtiles"):
            raise EnvError(f"{where}: 'path' must be the path of a .mbtiles file.")
        for key in ("label", "attribution"):
            if not isinstance(spec.get(key, ""), str):
                raise EnvError(f"{where}: '{key}' must be text.")
        overlay = spec.get("overlay")
        if overlay is not None and not isinstance(overlay, bool):
            raise EnvError(f"{where}: 'overlay' must be true or false.")
        crs = spec.get("crs", "")
        if crs not in ("", *CRS_VALUES):
            raise EnvError(f"{where}: 'crs' must be one of {', '.join(CRS_VALUES)}, not {crs!r}.")
        layers[name] = LayerOptions(
            name=name,
            path=Path(path),
            label=spec.get("label", ""),
            overlay=overlay,
            crs=crs,
            attribution=spec.get("attribution", ""),
        )
    return layers


# -- reading files -----------------------------------------------------------------------------------


@contextmanager
def open_readonly(path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection to ``path`` (never creates the file), closed on exit."""
    uri = "file:" + urllib.parse.quote(str(Path(path).resolve())) + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True)
    try:
        yield conn
    finally:
        conn.close()


@dataclass(frozen=True)
class TileSetInfo:
    """What an MBTiles file says about itself, checked by ``inspect_mbtiles``."""

    format: str  # png, jpg or webp
    min_zoom: int
    max_zoom: int
    bounds: tuple[float, float, float, float]  # west, south, east, north in degrees
    name: str = ""
    layer_type: str = "baselayer"  # baselayer or overlay
    crs: str = "wgs84"
    attribution: str = ""
    tile_count: int = 0

    @property
    def center(self) -> tuple[float, float]:
        """(lat, lon) of the bounds' middle."""
        west, south, east, north = self.bounds
        return (south + north) / 2, (west + east) / 2


def _parse_bounds(value: str) -> tuple[float, float, float, float]:
    try:
        west, south, east, north = (float(v) for v in value.split(","))
    except ValueError:
        raise TileSourceError("bad_bounds", f"metadata 'bounds' {value!r} is not 'west,south,east,north'.") from None
    if not (-180 <= west < east <= 180 and -85.06 <= south < north <= 85.06):
        raise TileSourceError("bad_bounds", f"metadata 'bounds' {value!r} is not a box on the earth.")
    return west, south, east, north


def inspect_mbtiles(path: Path, *, count_tiles: bool = False) -> TileSetInfo:
    """Validate a raster MBTiles file and describe it; ``TileSourceError`` says what is wrong.

    Missing ``minzoom``/``maxzoom``/``bounds`` metadata are computed from the tiles (bounds from the
    tile rows of the highest zoom); a missing ``format`` is read from the first tile's bytes.
    ``tile_count`` is 0 unless ``count_tiles`` (counting a large imagery file takes a while).
    """
    path = Path(path)
    if not path.is_file():
        raise TileSourceError("missing", f"{path} does not exist or is not a file.")
    with path.open("rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise TileSourceError("not_sqlite", f"{path.name} is not an MBTiles file: it is not an SQLite database.")
    try:
        with open_readonly(path) as conn:
            return _inspect(conn, path, count_tiles=count_tiles)
    except sqlite3.DatabaseError as exc:
        raise TileSourceError("unreadable", f"{path.name} cannot be read as SQLite: {exc}.") from None


def _inspect(conn: sqlite3.Connection, path: Path, *, count_tiles: bool) -> TileSetInfo:
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    missing = [t for t in ("metadata", "tiles") if t not in names]
    if missing:
        raise TileSourceError(
            "missing_tables", f"{path.name} is not an MBTiles file: table(s) {', '.join(missing)} missing."
        )
    try:
        meta = dict(conn.execute("SELECT name, value FROM metadata"))
        columns = {row[1] for row in conn.execute("PRAGMA table_info(tiles)")}
    except sqlite3.DatabaseError as exc:
        raise TileSourceError("missing_tables", f"{path.name}: metadata cannot be read: {exc}.") from None
    needed = {"zoom_level", "tile_column", "tile_row", "tile_data"}
    if not needed <= columns:
        raise TileSourceError(
            "missing_tables", f"{path.name}: tiles lacks column(s) {', '.join(sorted(needed - columns))}."
        )
    first = conn.execute("SELECT tile_data FROM tiles LIMIT 1").fetchone()
    if first is None:
        raise TileSourceError("empty", f"{path.name} holds no tiles.")
    fmt = str(meta.get("format", "")).lower()
    fmt = FORMAT_ALIASES.get(fmt, fmt)
    if not fmt:
        fmt = sniff_format(bytes(first[0] or b"")) or ""
    if fmt not in RASTER_FORMATS:
        raise TileSourceError(
            "bad_format",
            f"{path.name}: tile format {fmt or 'unknown'!r} is not served; raster png, jpg or webp only "
            "(vector pbf tiles need a renderer the app does not have).",
        )
    zooms = (None, None)
    if "minzoom" not in meta or "maxzoom" not in meta:
        zooms = conn.execute("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles").fetchone()
    try:
        min_zoom = int(meta.get("minzoom", zooms[0]))
        max_zoom = int(meta.get("maxzoom", zooms[1]))
    except ValueError:
        raise TileSourceError("bad_zoom", f"{path.name}: metadata minzoom/maxzoom are not whole numbers.") from None
    if not (0 <= min_zoom <= max_zoom <= MAX_ZOOM):
        raise TileSourceError("bad_zoom", f"{path.name}: zoom range {min_zoom}-{max_zoom} is not within 0-{MAX_ZOOM}.")
    if "bounds" in meta:
        bounds = _parse_bounds(str(meta["bounds"]))
    else:
        bounds = _bounds_from_tiles(conn, max_zoom)
    layer_type = "overlay" if str(meta.get("type", "")).lower() == "overlay" else "baselayer"
    crs = str(meta.get("crs", "wgs84")).lower()
    if crs not in CRS_VALUES:
        raise TileSourceError("bad_crs", f"{path.name}: metadata crs {crs!r} is not one of {', '.join(CRS_VALUES)}.")
    return TileSetInfo(
        format=fmt,
        min_zoom=min_zoom,
        max_zoom=max_zoom,
        bounds=bounds,
        name=str(meta.get("name", "")),
        layer_type=layer_type,
        crs=crs,
        attribution=str(meta.get("attribution", "")),
        tile_count=conn.execute("SELECT COUNT(*) FROM tiles").fetchone()[0] if count_tiles else 0,
    )


def _bounds_from_tiles(conn: sqlite3.Connection, zoom: int) -> tuple[float, float, float, float]:
    x0, x1, r0, r1 = conn.execute(
        "SELECT MIN(tile_column), MAX(tile_column), MIN(tile_row), MAX(tile_row) FROM tiles WHERE zoom_level = ?",
        (zoom,),
    ).fetchone()
    n = 2**zoom
    north, west = tile_to_lat_lon(zoom, x0, n - 1 - r1)
    south, east = tile_to_lat_lon(zoom, x1 + 1, n - r0)
    return west, south, east, north


def sniff_format(data: bytes) -> str | None:
    """png, jpg or webp from a tile's first bytes; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def tile_to_lat_lon(zoom: int, x: float, y: float) -> tuple[float, float]:
    """(lat, lon) in degrees of the north-west corner of XYZ tile (x, y) at ``zoom`` (Web Mercator)."""
    n = 2**zoom
    lon = x / n * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
    return lat, lon


def lat_lon_to_tile(zoom: int, lat: float, lon: float) -> tuple[int, int]:
    """The XYZ tile (x, y) holding a WGS-84 point at ``zoom``."""
    n = 2**zoom
    lat_rad = math.radians(max(min(lat, 85.0511), -85.0511))
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(lat_rad)) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def read_tile(path: Path, z: int, x: int, y: int) -> bytes | None:
    """The bytes of XYZ tile (z, x, y), or None when the file has no such tile (TMS row = 2**z-1-y)."""
    if not (0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
        return None
    with open_readonly(path) as conn:
        row = conn.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
            (z, x, 2**z - 1 - y),
        ).fetchone()
    return bytes(row[0]) if row and row[0] is not None else None


def tile_etag(data: bytes) -> str:
    return '"' + hashlib.blake2b(data, digest_size=12).hexdigest() + '"'


# -- writing files ------------------------------------------------------------------------------------


def mbtiles_write(path: Path, tiles: Iterator[tuple[int, int, int, bytes]], *, metadata: Mapping[str, str]) -> int:
    """Write XYZ ``(z, x, y, data)`` tiles to a new MBTiles file at ``path``; returns the tile count.

    Identical tiles (empty country, plain water) are stored once: ``map`` points at ``images`` and
    ``tiles`` is a view over them, as the spec allows. The file is built beside ``path`` and renamed
    into place, so a reader never sees half of it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    conn = sqlite3.connect(partial)
    count = 0
    try:
        conn.executescript(
            """
            CREATE TABLE metadata (name TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE images (tile_id TEXT PRIMARY KEY, tile_data BLOB);
            CREATE TABLE map (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_id TEXT,
                              PRIMARY KEY (zoom_level, tile_column, tile_row));
            CREATE VIEW tiles AS SELECT map.zoom_level, map.tile_column, map.tile_row, images.tile_data
                FROM map JOIN images ON images.tile_id = map.tile_id;
            """
        )
        conn.executemany("INSERT INTO metadata (name, value) VALUES (?, ?)", sorted(metadata.items()))
        for z, x, y, data in tiles:
            tile_id = hashlib.blake2b(data, digest_size=16).hexdigest()
            conn.execute("INSERT OR IGNORE INTO images (tile_id, tile_data) VALUES (?, ?)", (tile_id, data))
            conn.execute(
                "INSERT INTO map (zoom_level, tile_column, tile_row, tile_id) VALUES (?, ?, ?, ?)",
                (z, x, 2**z - 1 - y, tile_id),
            )
            count += 1
        conn.commit()
        conn.execute("VACUUM")
    except BaseException:
        conn.close()
        partial.unlink(missing_ok=True)
        raise
    conn.close()
    partial.replace(path)
    return count


def mbtiles_install(
    source: Path, *, layer: str, label: str = "", overlay: bool | None = None, crs: str = ""
) -> tuple[Path, TileSetInfo]:
    """Copy a checked MBTiles file into the tiles directory as layer ``layer``; all or nothing.

    The copy carries the label (metadata ``name``), overlay flag (``type``) and ``crs`` given here, so
    the directory alone describes its layers. Raises ``TileSourceError`` before anything is written
    when the file is unusable; an existing layer of that name is replaced only once the copy is whole.
    """
    if not LAYER_NAME_RE.match(layer):
        raise TileSourceError("bad_layer", f"layer name {layer!r}: use 1-40 lower-case letters, digits, '-' or '_'.")
    if crs and crs not in CRS_VALUES:
        raise TileSourceError("bad_crs", f"crs {crs!r} is not one of {', '.join(CRS_VALUES)}.")
    inspect_mbtiles(source)
    directory = tiles_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{layer}.mbtiles"
    partial = directory / f".{layer}.mbtiles.partial"
    try:
        # SQLite's backup, not a file copy: it also takes what a -wal file beside the source still holds.
        with open_readonly(source) as src:
            conn = sqlite3.connect(partial)
            try:
                src.backup(conn)
            finally:
                conn.close()
        conn = sqlite3.connect(partial)
        try:
            updates = {"name": label, "crs": crs, "type": {True: "overlay", False: "baselayer", None: ""}[overlay]}
            for key, value in updates.items():
                if value:
                    conn.execute("DELETE FROM metadata WHERE name = ?", (key,))
                    conn.execute("INSERT INTO metadata (name, value) VALUES (?, ?)", (key, value))
            conn.commit()
        finally:
            conn.close()
        info = inspect_mbtiles(partial, count_tiles=True)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target, info


# -- the registry ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TileLayer:
    """A layer ready to serve: its options and what its file says."""

    name: str
    path: Path
    label: str
    overlay: bool
    crs: str
    attribution: str
    info: TileSetInfo
    version: str = field(default="")  # changes whenever the file does: busts browser caches


_info_cache: dict[tuple[str, int, int], TileSetInfo | None] = {}


def _cached_info(path: Path) -> tuple[TileSetInfo | None, str]:
    try:
        stat = path.stat()
    except OSError:
        return None, ""
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _info_cache:
        for stale in [k for k in _info_cache if k[0] == key[0]]:
            del _info_cache[stale]
        try:
            _info_cache[key] = inspect_mbtiles(path)
        except TileSourceError as exc:
            logger.warning("Tile layer file %s is not usable: %s", path, exc.message)
            _info_cache[key] = None
    version = hashlib.blake2b(repr(key).encode(), digest_size=6).hexdigest()
    return _info_cache[key], version


def tiles_dir() -> Path:
    from django.conf import settings

    return Path(settings.MAP_TILES_DIR)


def tile_layers() -> dict[str, TileLayer]:
    """Every usable layer by name: the tiles directory's files, then ``settings.MAP_TILES`` over them.

    A configured file that is missing or broken is left out with a logged warning, so one bad file
    does not take the other maps down.
    """
    from django.conf import settings

    options: dict[str, LayerOptions] = {}
    directory = tiles_dir()
    if directory.is_dir():
        for path in sorted(directory.glob("*.mbtiles")):
            if LAYER_NAME_RE.match(path.stem):
                options[path.stem] = LayerOptions(name=path.stem, path=path)
    configured = getattr(settings, "MAP_TILES", None) or {}
    if not all(isinstance(v, LayerOptions) for v in configured.values()):
        configured = parse_map_tiles(configured, source="settings.MAP_TILES")
    options.update(configured)
    layers = {}
    for name, opt in options.items():
        info, version = _cached_info(opt.path)
        if info is None:
            if opt.path.parent != directory:
                logger.warning("Tile layer %s: %s is missing or not a raster MBTiles file.", name, opt.path)
            continue
        layers[name] = TileLayer(
            name=name,
            path=opt.path,
            label=opt.label or info.name or name,
            overlay=opt.overlay if opt.overlay is not None else info.layer_type == "overlay",
            crs=opt.crs or info.crs,
            attribution=opt.attribution or info.attribution,
            info=info,
            version=version,
        )
    return layers


def gcj02_shift(lat: float, lon: float) -> tuple[float, float]:
    """(dlat, dlon) degrees that a GCJ-02 map is off by at the GCJ-02 point (lat, lon): the point minus
    the WGS-84 position it stands for. A GCJ-02 tile drawn shifted back by this puts WGS-84 markers right.

    The offset changes by well under a metre across a county, so one shift at the layer's centre
    places a whole county layer right.
    """
    from common.geo import gcj02_to_wgs84

    w_lon, w_lat = gcj02_to_wgs84(lon, lat)
    return round(lat - float(w_lat), 7), round(lon - float(w_lon), 7)


def client_config(*, signed_in: bool) -> dict[str, Any]:
    """The base-map layers for ``static/js/basemap.js``: the app's tile layers (signed-in users only,
    as the tiles themselves), then the online ``MAP_TILE_URL`` server if one is configured."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils.translation import gettext

    layers = []
    if signed_in:
        for layer in tile_layers().values():
            info = layer.info
            west, south, east, north = info.bounds
            url = reverse("map_tile", kwargs={"layer": layer.name, "z": 0, "x": 0, "y": 0, "ext": info.format})
            url = url.replace("/0/0/0.", "/{z}/{x}/{y}.") + f"?v={layer.version}"
            entry = {
                "name": layer.name,
                "label": layer.label,
                "url": url,
                "overlay": layer.overlay,
                "attribution": layer.attribution,
                "minNativeZoom": info.min_zoom,
                "maxNativeZoom": info.max_zoom,
                "bounds": [[south, west], [north, east]],
            }
            if layer.crs == "gcj02":
                # The file's bounds are GCJ-02; the shift is taken at their centre (close enough: see above).
                c_lat, c_lon = info.center
                entry["shift"] = list(gcj02_shift(c_lat, c_lon))
            layers.append(entry)
    if settings.MAP_TILE_URL:
        layers.append(
            {
                "name": "online",
                "label": gettext("Online map"),
                "url": settings.MAP_TILE_URL,
                "overlay": False,
                "attribution": settings.MAP_TILE_ATTRIBUTION,
            }
        )
    return {"layers": layers}


def basemap_context(request) -> dict[str, Any]:
    """Template context: ``basemap_json``, the base-map layers as JSON for a ``data-basemap`` attribute.

    A callable, so pages without a map never scan the tiles directory.
    """
    user = getattr(request, "user", None)

    def basemap_json() -> str:
        return json.dumps(client_config(signed_in=bool(user and user.is_authenticated)), ensure_ascii=False)

    return {"basemap_json": basemap_json}
