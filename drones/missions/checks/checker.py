"""One run of ``check_route``: the route and the launch point in the local metric frame
(``drones.missions.frame.LocalFrame``), every straight leg flown (``_Legs``), and the violations and
notices found so far; the individual checks read it and add to it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from django.utils.translation import gettext as _
from shapely import geometry as shp

from drones.missions.checks.limits import Limits
from drones.missions.checks.results import Code, Violation
from drones.missions.frame import LocalFrame
from drones.missions.route import Waypoint


@dataclass
class _Legs:
    """Every straight leg flown: launch -> 1, 1 -> 2, ..., n -> launch. Local metres."""

    starts: list[int | None]
    ends: list[int | None]
    lines: np.ndarray  # shapely LineStrings
    alt_from: np.ndarray
    alt_to: np.ndarray
    launch_word: str = "launch"

    def label(self, index: int) -> str:
        """``3→4`` (1-based, as people count), ``launch→1``, ``7→launch``."""
        start, end = self.starts[index], self.ends[index]
        a = self.launch_word if start is None else str(start + 1)
        b = self.launch_word if end is None else str(end + 1)
        return f"{a}→{b}"


def _point_label(index: int | None) -> str:
    return _("the launch point") if index is None else _("waypoint %(n)d") % {"n": index + 1}


class _Checker:
    """One run of ``check_route``: the local frame, the legs, and the violations found."""

    def __init__(self, route: Sequence[Waypoint], launch: tuple[float, float], limits: Limits):
        self.route = list(route)
        self.limits = limits
        self.launch_lat, self.launch_lon = float(launch[0]), float(launch[1])
        self.frame = LocalFrame(self.launch_lat, self.launch_lon)
        self.violations: list[Violation] = []
        self.notices: list[Violation] = []
        n = len(self.route)
        self.lat = np.fromiter((w.lat for w in self.route), float, n)
        self.lon = np.fromiter((w.lon for w in self.route), float, n)
        self.alt = np.fromiter((w.alt_m for w in self.route), float, n)
        self.x, self.y = self.frame.xy(self.lat, self.lon)
        lx, ly = self.frame.xy(self.launch_lat, self.launch_lon)
        self.lx, self.ly = float(lx), float(ly)
        self.launch_point = shp.Point(self.lx, self.ly)
        self.points = shapely.points(self.x, self.y) if n else np.empty(0, dtype=object)

    def add(self, code: Code, message: str, **where) -> None:
        self.violations.append(Violation(str(code), message, **where))

    def point_geojson(self, index: int | None) -> dict[str, Any]:
        if index is None:
            return {"type": "Point", "coordinates": [self.launch_lon, self.launch_lat]}
        return {"type": "Point", "coordinates": [float(self.lon[index]), float(self.lat[index])]}

    def legs(self, takeoff_alt_m: float) -> _Legs:
        n = len(self.route)
        xs = np.concatenate([[self.lx], self.x, [self.lx]])
        ys = np.concatenate([[self.ly], self.y, [self.ly]])
        return_alt = max(float(self.alt[-1]), self.limits.rtl_alt_m) if n else takeoff_alt_m
        alts_from = np.concatenate([[takeoff_alt_m], self.alt[:-1], [return_alt]]) if n else np.empty(0)
        alts_to = np.concatenate([self.alt, [return_alt]]) if n else np.empty(0)
        coords = np.stack([np.column_stack([xs[:-1], ys[:-1]]), np.column_stack([xs[1:], ys[1:]])], axis=1)
        lines = shapely.linestrings(coords) if n else np.empty(0, dtype=object)
        starts: list[int | None] = [None, *range(n)]
        ends: list[int | None] = [*range(n), None]
        return _Legs(starts, ends, lines, alts_from, alts_to, launch_word=_("launch"))
