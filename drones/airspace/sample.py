"""Sample airspace zones and markets of the fictitious sample county (near 36.18 N, 118.17 E).

Everything here is invented and marked "（样例）". The same definitions give the
import files ``samples/airspace.geojson`` (WGS-84) and ``samples/markets.geojson``
(GCJ-02, as if traced on AMap: import with ``--crs gcj02``), and what
``load_sample_airspace`` loads, through the import services, marked as sample
data. Loading is idempotent: a dry run first, and nothing is applied (no
import batch is even recorded) when it would change nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common.geo import Crs, from_wgs84

AIRSPACE_FILE = "airspace.geojson"
MARKETS_FILE = "markets.geojson"
MARKETS_CRS = Crs.GCJ02
_DECIMALS = 7


def _rectangle(lat: float, lon: float, half_lat: float, half_lon: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [lon - half_lon, lat - half_lat],
                [lon + half_lon, lat - half_lat],
                [lon + half_lon, lat + half_lat],
                [lon - half_lon, lat + half_lat],
                [lon - half_lon, lat - half_lat],
            ]
        ],
    }


# Properties as in the import format (drones.airspace.imports); geometry WGS-84.
SAMPLE_ZONES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    (
        {"name": "县看守所（样例）", "kind": "禁飞区", "source": "示例县公安局（样例）", "notes": "监管场所上空禁飞"},
        {
            "type": "Polygon",
            "coordinates": [
                [
                    [118.1838, 36.1712],
                    [118.1872, 36.1712],
                    [118.1874, 36.1734],
                    [118.1851, 36.1741],
                    [118.1836, 36.1730],
                    [118.1838, 36.1712],
                ]
            ],
        },
    ),
    (
        {
            "name": "示例通用机场净空区（样例）",
            "kind": "机场",
            "buffer_m": 5000,
            "source": "机场净空保护区示意（样例）",
            "notes": "机场基准点外扩 5 km",
        },
        {"type": "Point", "coordinates": [118.0150, 36.3050]},
    ),
    (
        {
            "name": "青石岭水库大坝（样例）",
            "kind": "限飞区",
            "source": "示例县水务局（样例）",
            "notes": "凭飞行计划批复号飞行",
        },
        _rectangle(36.2470, 118.2420, 0.0030, 0.0045),
    ),
    (
        {"name": "县人民广场（样例）", "kind": "人员密集区", "min_alt_m": 40, "source": "示例县公安局（样例）"},
        _rectangle(36.1930, 118.1585, 0.0009, 0.0012),
    ),
    (
        {
            "name": "县一中考点临时禁飞（样例）",
            "kind": "禁飞区",
            "valid_from": "2027-06-07 07:00",
            "valid_until": "2027-06-10 18:00",
            "source": "考试期间临时管制（样例）",
        },
        _rectangle(36.2005, 118.1520, 0.0020, 0.0025),
    ),
]

SAMPLE_MARKETS: list[tuple[dict[str, Any], dict[str, Any]]] = [
    (
        {
            "name": "青石岭大集（样例）",
            "kind": "大集",
            "lunar_days": "逢一六",
            "opens": "07:00",
            "closes": "12:00",
            "min_alt_m": 30,
            "station_code": "SJ04",
        },
        {"type": "LineString", "coordinates": [[118.2248, 36.2658], [118.2279, 36.2664], [118.2312, 36.2671]]},
    ),
    (
        {
            "name": "白马泉大集（样例）",
            "kind": "大集",
            "lunar_days": "3,8",
            "opens": "06:30",
            "closes": "11:30",
            "min_alt_m": 30,
            "station_code": "SJ08",
        },
        {"type": "LineString", "coordinates": [[118.1896, 36.0851], [118.1921, 36.0859], [118.1953, 36.0866]]},
    ),
    (
        {
            "name": "松溪大集（样例）",
            "kind": "大集",
            "lunar_days": "5,10",
            "opens": "07:00",
            "closes": "12:00",
            "min_alt_m": 30,
            "station_code": "SJ05",
        },
        {"type": "LineString", "coordinates": [[118.2610, 36.2026], [118.2642, 36.2021], [118.2668, 36.2012]]},
    ),
    (
        {
            "name": "城关夜市（样例）",
            "kind": "夜市",
            "weekdays": "周五,周六",
            "opens": "18:00",
            "closes": "22:00",
            "min_alt_m": 35,
            "station_code": "SJ01",
        },
        _rectangle(36.1902, 118.1668, 0.0006, 0.0011),
    ),
]


def _rounded(coords):
    if isinstance(coords[0], int | float):
        return [round(float(v), _DECIMALS) for v in coords]
    return [_rounded(c) for c in coords]


def _converted(geometry: dict[str, Any], crs: Crs) -> dict[str, Any]:
    def convert(coords):
        if isinstance(coords[0], int | float):
            lon, lat = from_wgs84(coords[0], coords[1], crs)
            return [float(lon), float(lat)]
        return [convert(c) for c in coords]

    return {"type": geometry["type"], "coordinates": _rounded(convert(geometry["coordinates"]))}


def _collection(name: str, features: list[tuple[dict, dict]], crs: Crs, drop: frozenset[str] = frozenset()) -> bytes:
    lines = ['{"type":"FeatureCollection","name":' + json.dumps(name, ensure_ascii=False) + ',"features":[']
    for index, (properties, geometry) in enumerate(features):
        feature = {
            "type": "Feature",
            "properties": {k: v for k, v in properties.items() if k not in drop},
            "geometry": _converted(geometry, crs),
        }
        comma = "," if index < len(features) - 1 else ""
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")) + comma)
    lines.append("]}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def airspace_geojson() -> bytes:
    """``samples/airspace.geojson``: the sample zones, WGS-84."""
    return _collection("airspace", SAMPLE_ZONES, Crs.WGS84)


def markets_geojson(*, with_stations: bool = True) -> bytes:
    """``samples/markets.geojson``: the sample markets, GCJ-02 (import with ``--crs gcj02``)."""
    drop = frozenset() if with_stations else frozenset({"station_code"})
    return _collection("markets", SAMPLE_MARKETS, MARKETS_CRS, drop)


def sample_airspace_files_write(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, content in ((AIRSPACE_FILE, airspace_geojson()), (MARKETS_FILE, markets_geojson())):
        path = out_dir / name
        path.write_bytes(content)
        paths.append(path)
    return paths


@dataclass
class SampleAirspaceSummary:
    zones_created: int = 0
    zones_updated: int = 0
    markets_created: int = 0
    markets_updated: int = 0

    def line(self) -> str:
        return (
            f"Sample airspace: {self.zones_created} zone(s) created, {self.zones_updated} updated; "
            f"{self.markets_created} market(s) created, {self.markets_updated} updated."
        )


class SampleAirspaceError(Exception):
    pass


def _load(kind: str, filename: str, content: bytes, crs: Crs) -> tuple[int, int]:
    from imports import services
    from imports.kind import ImportContext

    ctx = ImportContext(crs=crs, system=True, is_sample=True)
    report = services.import_evaluate(kind=kind, filename=filename, content=content, ctx=ctx, apply=False)
    if report.has_errors:
        raise SampleAirspaceError("; ".join(p.describe(report.unit) for p in report.errors))
    counts = report.counts()
    if not counts["create"] and not counts["update"]:
        return 0, 0
    batch = services.import_batch_run(
        kind=kind, crs=crs.value, filename=filename, content=content, system=True, dry_run=False, is_sample=True
    )
    return batch.created_count, batch.updated_count


def load_sample_airspace() -> SampleAirspaceSummary:
    """Load (or bring up to date) the sample zones and markets, marked as sample data."""
    from campus.models import Station

    stations = {props["station_code"] for props, _geometry in SAMPLE_MARKETS}
    with_stations = Station.objects.filter(code__in=stations).count() == len(stations)
    summary = SampleAirspaceSummary()
    summary.zones_created, summary.zones_updated = _load("airspace", AIRSPACE_FILE, airspace_geojson(), Crs.WGS84)
    summary.markets_created, summary.markets_updated = _load(
        "markets", MARKETS_FILE, markets_geojson(with_stations=with_stations), MARKETS_CRS
    )
    return summary
