"""Airspace zones as the checks read them: the zone kinds, ``Zone`` (a zone without a database row),
and ``AirspaceIndex``, the zones' WGS-84 shapes (invalid ones repaired) with an STRtree to find those
near a mission, and their validity windows, so that one index serves checks at any time
(``AirspaceIndex.in_force_at``)."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from typing import Any, Protocol

import numpy as np
import shapely
from shapely import geometry as shp

from drones.missions.frame import polygon_parts

# Airspace kinds (``drones.models.Airspace.Kind`` values).
NO_FLY, RESTRICTED, AIRPORT, CROWD = "no_fly", "restricted", "airport", "crowd"


class AirspaceLike(Protocol):
    """What the checks read of a zone: ``drones.models.Airspace`` or ``Zone``.

    ``min_alt_m``, ``id``/``pk``, ``valid_from`` and ``valid_until`` are read when present.
    """

    name: str
    kind: str
    geometry: dict[str, Any]


@dataclass(frozen=True)
class Zone:
    """A zone without a database row (tests, benchmarks, what-if checks).

    ``valid_from``/``valid_until``: aware datetimes, the zone in force from the one until before the other.
    """

    name: str
    kind: str
    geometry: dict[str, Any]
    min_alt_m: float | None = None
    id: int | None = None
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None


@dataclass(frozen=True)
class ZoneRef:
    id: int | None
    name: str
    kind: str
    min_alt_m: float | None


def _zone_shape(geometry: dict[str, Any]):
    """A WGS-84 shapely (Multi)Polygon of a stored zone, or None; built straight from the coordinates.

    Validity is checked by the caller, for all zones at once (``_repaired``).
    """
    try:
        kind = geometry.get("type")
        coords = geometry["coordinates"]
        if kind == "Polygon":
            return shapely.polygons(coords[0], holes=coords[1:] or None)
        if kind == "MultiPolygon":
            return shapely.multipolygons([shapely.polygons(p[0], holes=p[1:] or None) for p in coords])
        return shp.shape(geometry)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, shapely.errors.GEOSException):
        return None


def _simple_polygons_at_once(geometries: list[dict[str, Any]], shapes: list) -> list:
    """Shapes of GeoJSON zones: one-ring Polygons (nearly all zones) built in one vectorised call, the
    rest one by one (``_zone_shape``). ``shapes`` is filled in place and returned."""
    simple, rings = [], []
    for index, geometry in enumerate(geometries):
        coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if geometry and geometry.get("type") == "Polygon" and isinstance(coords, list) and len(coords) == 1:
            simple.append(index)
            rings.append(coords[0])
    if rings:
        try:
            points = np.asarray(list(chain.from_iterable(rings)), dtype=float)
            ring_index = np.repeat(np.arange(len(rings)), [len(r) for r in rings])
            built = shapely.polygons(shapely.linearrings(points, indices=ring_index))
        except (ValueError, TypeError, shapely.errors.GEOSException):
            built = None  # a short ring or 3-D coordinates somewhere: build them one by one below
        if built is not None and len(built) == len(simple):
            for index, shape in zip(simple, built, strict=True):
                shapes[index] = shape
    for index, geometry in enumerate(geometries):
        if shapes[index] is None:
            shapes[index] = _zone_shape(geometry)
    return shapes


def _repaired(shapes: list) -> np.ndarray:
    """Polygons only; an invalid zone is repaired (``make_valid``) rather than ignored."""
    array = np.asarray(shapes, dtype=object)
    if not len(array):
        return array
    usable = ~shapely.is_missing(array)
    usable[usable] = ~shapely.is_empty(array[usable])
    broken = usable.copy()
    broken[usable] = ~shapely.is_valid(array[usable]) | ~np.isin(shapely.get_type_id(array[usable]), (3, 6))
    for index in np.flatnonzero(broken):
        parts = list(polygon_parts(shapely.make_valid(array[index])))
        array[index] = (parts[0] if len(parts) == 1 else shp.MultiPolygon(parts)) if parts else None
    array[~usable] = None
    return array


def _seconds(moment: dt.datetime | None, unset: float) -> float:
    """POSIX seconds of an aware datetime; ``unset`` (an infinity) for None, an open end."""
    return moment.timestamp() if moment is not None else unset


class AirspaceIndex:
    """Zones in WGS-84 with a spatial index; build once and reuse it for many checks.

    Crowd zones are kept apart (``crowds``): they limit the height, they do not keep out.
    Every zone counts unless the index is narrowed with ``in_force_at``, which keeps the shapes and
    the tree and masks the zones outside their validity window at that moment.
    """

    # The airspace version it was built at (``drones.airspace.index``): part of a check's basis. None
    # for an index built from zones at hand.
    version: Any = None

    def __init__(self, zones: Iterable[AirspaceLike]):
        refs: list[ZoneRef] = []
        shapes: list = []
        zones_geometry: list[dict[str, Any]] = []
        windows: list[tuple[float, float]] = []
        self.crowds: list[tuple[dict[str, Any], float, str]] = []
        # Every crowd zone with its window, which ``in_force_at`` picks ``crowds`` from.
        self._crowd_windows: list[tuple[tuple[dict[str, Any], float, str], float, float]] = []
        for zone in zones:
            kind = str(zone.kind)
            window = (
                _seconds(getattr(zone, "valid_from", None), -math.inf),
                _seconds(getattr(zone, "valid_until", None), math.inf),
            )
            if kind == CROWD:
                if getattr(zone, "min_alt_m", None) is not None:
                    self.crowds.append((zone.geometry, float(zone.min_alt_m), str(zone.name)))
                    self._crowd_windows.append((self.crowds[-1], *window))
                continue
            zone_id = getattr(zone, "pk", None) or getattr(zone, "id", None)
            refs.append(ZoneRef(zone_id, str(zone.name), kind, getattr(zone, "min_alt_m", None)))
            zones_geometry.append(zone.geometry)
            shapes.append(None)
            windows.append(window)
        geometries = _repaired(_simple_polygons_at_once(zones_geometry, shapes))
        keep = ~shapely.is_missing(geometries) if len(geometries) else np.zeros(0, dtype=bool)
        self.refs = [ref for ref, kept in zip(refs, keep, strict=True) if kept]
        self.geometries = geometries[keep] if len(geometries) else np.empty(0, dtype=object)
        self.tree = shapely.STRtree(self.geometries) if len(self.geometries) else None
        bounds = np.asarray(windows, dtype=float).reshape(-1, 2)[keep] if windows else np.empty((0, 2))
        self._valid_from, self._valid_until = bounds[:, 0], bounds[:, 1]
        self._in_force: np.ndarray | None = None  # None: every zone
        self._crowds_in_force: list[int] | None = None  # positions in ``_crowd_windows``; None: every one

    def in_force_at(self, at: dt.datetime) -> AirspaceIndex:
        """This index narrowed to the zones in force at ``at`` (aware): a cheap view sharing the shapes
        and the tree, so a cached index answers for any mission time."""
        seconds = at.timestamp()
        view = copy.copy(self)
        view._in_force = (self._valid_from <= seconds) & (seconds < self._valid_until)
        view._crowds_in_force = [i for i, (_c, start, end) in enumerate(self._crowd_windows) if start <= seconds < end]
        view.crowds = [self._crowd_windows[i][0] for i in view._crowds_in_force]
        return view

    def in_force_digest(self) -> str:
        """Which zones count now (the mask ``in_force_at`` set, the crowd zones in force), as a short hex
        string: with ``version``, all a check reads of the index."""
        mask = b"all" if self._in_force is None else np.packbits(self._in_force).tobytes()
        crowds = b"all" if self._crowds_in_force is None else repr(self._crowds_in_force).encode()
        return hashlib.sha256(mask + b"|" + crowds).hexdigest()[:16]

    def __len__(self) -> int:
        return len(self.refs) if self._in_force is None else int(self._in_force.sum())

    def near(self, bounds: tuple[float, float, float, float]) -> np.ndarray:
        """Indexes (into ``refs`` and ``geometries``) of the zones in force whose bounding box meets
        ``bounds`` (WGS-84 minx, miny, maxx, maxy)."""
        if self.tree is None:
            return np.empty(0, dtype=np.int64)
        found = np.sort(self.tree.query(shp.box(*bounds)))
        return found if self._in_force is None else found[self._in_force[found]]
