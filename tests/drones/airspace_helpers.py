"""Building routes and zones in metres around a launch point, for the airspace tests.

Positions are given as east/north offsets in metres in the launch point's UTM
zone (the frame the checks work in), so distances in the tests are exact.
"""

from __future__ import annotations

import math

import pytest

from drones.missions.checks.zones import Zone
from drones.missions.frame import LocalFrame
from drones.missions.route import Waypoint

LAUNCH = (36.185, 118.17)
FRAME = LocalFrame(*LAUNCH)
_X0, _Y0 = (float(v) for v in FRAME.xy(*LAUNCH))


def at(east_m: float, north_m: float) -> tuple[float, float]:
    """(lat, lon) of the point ``east_m``/``north_m`` from the launch point."""
    lat, lon = FRAME.latlon(_X0 + east_m, _Y0 + north_m)
    return float(lat), float(lon)


def wp(east_m: float, north_m: float, alt_m: float = 30.0, **extra) -> Waypoint:
    lat, lon = at(east_m, north_m)
    return Waypoint(lat, lon, alt_m, **extra)


def polygon_m(corners: list[tuple[float, float]]) -> dict:
    """A GeoJSON polygon (WGS-84) from (east, north) corners in metres."""
    ring = [[at(e, n)[1], at(e, n)[0]] for e, n in corners]
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def square_m(east_m: float, north_m: float, half_m: float) -> dict:
    return polygon_m(
        [
            (east_m - half_m, north_m - half_m),
            (east_m + half_m, north_m - half_m),
            (east_m + half_m, north_m + half_m),
            (east_m - half_m, north_m + half_m),
        ]
    )


def zone(name: str, kind: str, geometry: dict, min_alt_m: float | None = None) -> Zone:
    return Zone(name=name, kind=kind, geometry=geometry, min_alt_m=min_alt_m)


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Metres between two (lat, lon) in the launch point's frame."""
    ax, ay = FRAME.xy(*a)
    bx, by = FRAME.xy(*b)
    return math.hypot(float(ax - bx), float(ay - by))


@pytest.fixture
def fresh_airspace_index():
    """The test starts as a new process with an empty cache would, whatever ran before (the per-process
    airspace index and the shared version token, ``drones.airspace.index``)."""
    from django.core.cache import cache

    from drones.airspace.index import VERSION_KEY, airspace_index_forget

    airspace_index_forget()
    cache.delete(VERSION_KEY)
    yield
    airspace_index_forget()
