"""Fictitious roads, rivers and villages of the sample county 示例县, for its base map.

``sample_landscape(county)`` returns the same ``SampleLandscape`` for the same county and seed: its
randomness is one ``random.Random`` stream of its own (``seed + 10``), so adding it reshuffles nothing
the county generator already made. Township boundaries are the stations' jurisdictions (each rural
station serves one 镇). Shapes are made in EPSG:32650 metres and returned as WGS-84 shapely geometries
(lon, lat), like the rest of ``campus.sample``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from shapely import geometry as shp
from shapely.ops import unary_union

from campus.sample import geometry as geo
from campus.sample.county import SampleCounty
from campus.sample.generator import SEED, sample
from campus.sample.names import SURNAMES, VILLAGE_SUFFIXES

VILLAGE_COUNT = 70
TOWN_STREET_SPACING_M = 450


@dataclass(frozen=True)
class SampleRoad:
    kind: str  # "highway", "main" (town to township seats), "street" (in the town), "lane" (to a village)
    line: shp.LineString  # WGS-84 lon/lat


@dataclass(frozen=True)
class SampleRiver:
    name: str
    width_m: float
    line: shp.LineString  # WGS-84 lon/lat


@dataclass(frozen=True)
class SampleVillage:
    name: str
    lat: float
    lon: float
    outline: shp.Polygon  # WGS-84 lon/lat


@dataclass(frozen=True)
class SampleLandscape:
    boundary: shp.Polygon
    town: shp.Polygon
    townships: tuple[shp.Polygon, ...]  # the stations' jurisdictions
    roads: tuple[SampleRoad, ...]
    rivers: tuple[SampleRiver, ...]
    villages: tuple[SampleVillage, ...]


def _wiggle(rng: random.Random, a: tuple[float, float], b: tuple[float, float], *, depth: int, amount: float):
    """Points from a to b, bent by midpoint displacement (``amount`` of each segment's length, sideways)."""
    points = [a, b]
    for _ in range(depth):
        bent = [points[0]]
        for p, q in zip(points, points[1:], strict=False):
            length = math.dist(p, q)
            nx, ny = (q[1] - p[1]) / (length or 1), -(q[0] - p[0]) / (length or 1)
            off = rng.uniform(-amount, amount) * length
            bent += [((p[0] + q[0]) / 2 + nx * off, (p[1] + q[1]) / 2 + ny * off), q]
        points = bent
    return [(round(x), round(y)) for x, y in points]


def sample_landscape(county: SampleCounty, seed: int = SEED) -> SampleLandscape:
    rng = random.Random(seed + 10)
    boundary = geo.to_metric(shp.shape(county.boundary))
    town = geo.to_metric(shp.shape(county.town))
    townships = tuple(geo.to_metric(shp.shape(s.jurisdiction)) for s in county.stations)
    minx, miny, maxx, maxy = boundary.bounds
    area = boundary.buffer(2_000)
    tc = town.centroid.x, town.centroid.y

    def clip(points) -> list[shp.LineString]:
        piece = shp.LineString(points).intersection(area)
        return [g for g in getattr(piece, "geoms", [piece]) if isinstance(g, shp.LineString) and not g.is_empty]

    # Rivers: one across the county from west to east, passing south of the town, and a tributary
    # from the north hills joining it.
    main_points = _wiggle(
        rng, (minx - 3_000, tc[1] - 2_500 + rng.uniform(-3_000, 0)), (maxx + 3_000, tc[1] - 4_000), depth=6, amount=0.18
    )
    main_river = shp.LineString(main_points)
    join = main_river.interpolate(0.62, normalized=True)
    tributary = _wiggle(rng, (join.x + rng.uniform(-4_000, 4_000), maxy + 2_000), (join.x, join.y), depth=5, amount=0.2)
    rivers = [(sample("沂清河"), 70.0, main_points), (sample("松溪河"), 30.0, tributary)]

    roads: list[tuple[str, list]] = []
    # A highway across the county, south-west to north-east, and roads from the town to each township seat.
    roads.append(
        ("highway", _wiggle(rng, (minx - 3_000, miny + 4_000), (maxx + 3_000, maxy - 6_000), depth=4, amount=0.06))
    )
    seats = [geo.point_to_metric(s.lat, s.lon) for s in county.stations if not s.urban]
    for seat in seats:
        roads.append(("main", _wiggle(rng, tc, seat, depth=4, amount=0.1)))
    # Town streets: a slightly turned grid clipped to the town.
    turn = math.radians(rng.uniform(-12, 12))
    tminx, tminy, tmaxx, tmaxy = town.bounds
    reach = max(tmaxx - tminx, tmaxy - tminy)
    for offset in range(-int(reach), int(reach) + 1, TOWN_STREET_SPACING_M):
        for angle in (turn, turn + math.pi / 2):
            dx, dy = math.cos(angle), math.sin(angle)
            px, py = tc[0] - dy * offset, tc[1] + dx * offset
            street = shp.LineString([(px - dx * reach, py - dy * reach), (px + dx * reach, py + dy * reach)])
            piece = street.intersection(town)
            for g in getattr(piece, "geoms", [piece]):
                if isinstance(g, shp.LineString) and g.length > 100:
                    roads.append(("street", list(g.coords)))

    # Villages: spread over the countryside, away from the town, each joined to the nearest road.
    countryside = boundary.buffer(-800).difference(town.buffer(1_500))
    network = unary_union([shp.LineString(p) for kind, p in roads if kind in ("main", "highway")])
    villages = []
    for i, (x, y) in enumerate(geo.spread_points(rng, countryside, VILLAGE_COUNT, existing=[tc, *seats])):
        outline = geo.radial_polygon(
            rng,
            (x, y),
            radius_x_m=rng.uniform(180, 380),
            radius_y_m=rng.uniform(150, 300),
            vertices=10,
            wobble=0.15,
            jitter=0.05,
        )
        name = SURNAMES[(i * 7 + rng.randrange(len(SURNAMES))) % len(SURNAMES)] + rng.choice(VILLAGE_SUFFIXES)
        lat, lon = geo.point_to_wgs84(x, y)
        villages.append(SampleVillage(name=sample(name), lat=lat, lon=lon, outline=geo.to_wgs84(outline)))
        near = network.interpolate(network.project(shp.Point(x, y)))
        if math.dist((x, y), (near.x, near.y)) < 6_000:
            roads.append(("lane", _wiggle(rng, (x, y), (near.x, near.y), depth=2, amount=0.08)))

    return SampleLandscape(
        boundary=geo.to_wgs84(boundary),
        town=geo.to_wgs84(town),
        townships=tuple(geo.to_wgs84(t) for t in townships),
        roads=tuple(SampleRoad(kind=kind, line=geo.to_wgs84(line)) for kind, points in roads for line in clip(points)),
        rivers=tuple(
            SampleRiver(name=name, width_m=width, line=geo.to_wgs84(line))
            for name, width, points in rivers
            for line in clip(points)
        ),
        villages=tuple(villages),
    )
