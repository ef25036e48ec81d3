"""Which station is responsible for a school: a geopandas spatial join.

Urban schools are managed by zone (城区划片): the zone containing the school
names the station. Rural schools are managed by jurisdiction (农村属地): the
station whose jurisdiction polygon contains the school. An urban school in no
zone falls back to the jurisdiction, so it is still covered, and the coverage
report lists it. Where polygons overlap, the lowest code wins, deterministically.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import geometry as shp

from campus.models import School, Station, Zone


@dataclass(frozen=True)
class Resolution:
    station_id: int | None
    zone_id: int | None
    via: str  # "zone", "jurisdiction", "none"


def _polygon_frame(rows: list[tuple[int, int, str, dict]]) -> gpd.GeoDataFrame:
    """rows: (id, station_id, code, geojson)."""
    if not rows:
        return gpd.GeoDataFrame(
            {"pid": pd.Series(dtype="int64"), "station_id": pd.Series(dtype="int64"), "code": pd.Series(dtype=str)},
            geometry=gpd.GeoSeries([], crs="EPSG:4326"),
        )
    ids, stations, codes, geoms = zip(*[(r[0], r[1], r[2], shp.shape(r[3])) for r in rows], strict=True)
    return gpd.GeoDataFrame(
        {"pid": list(ids), "station_id": list(stations), "code": list(codes)}, geometry=list(geoms), crs="EPSG:4326"
    )


def zone_frame() -> gpd.GeoDataFrame:
    rows = [(z.id, z.station_id, z.code, z.boundary) for z in Zone.objects.only("id", "station_id", "code", "boundary")]
    return _polygon_frame(rows)


def jurisdiction_frame() -> gpd.GeoDataFrame:
    rows = [
        (s.id, s.id, s.code, s.jurisdiction)
        for s in Station.objects.exclude(jurisdiction=None).only("id", "code", "jurisdiction")
        if s.jurisdiction
    ]
    return _polygon_frame(rows)


def _first_containing(points: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame) -> pd.DataFrame:
    """For each point index, the containing polygon with the lowest code (pid, station_id)."""
    if polygons.empty or points.empty:
        return pd.DataFrame(columns=["pid", "station_id"])
    joined = gpd.sjoin(points, polygons, how="inner", predicate="within")
    joined = joined.sort_values("code", kind="stable")
    first = joined[~joined.index.duplicated(keep="first")]
    return first[["pid", "station_id"]]


def resolve_points(
    lats: np.ndarray | list[float],
    lons: np.ndarray | list[float],
    areas: list[str],
    *,
    zones: gpd.GeoDataFrame | None = None,
    jurisdictions: gpd.GeoDataFrame | None = None,
) -> list[Resolution]:
    """Resolve many WGS-84 points at once (the import path: thousands of schools, one join)."""
    zones = zone_frame() if zones is None else zones
    jurisdictions = jurisdiction_frame() if jurisdictions is None else jurisdictions
    points = gpd.GeoDataFrame(
        {"area": list(areas)},
        geometry=gpd.points_from_xy(np.asarray(lons, float), np.asarray(lats, float)),
        crs="EPSG:4326",
    )
    urban = points[points["area"] == School.Area.URBAN]
    by_zone = _first_containing(urban, zones)
    by_jurisdiction = _first_containing(points, jurisdictions)
    zone_pid = by_zone["pid"].to_dict()
    zone_station = by_zone["station_id"].to_dict()
    jur_station = by_jurisdiction["station_id"].to_dict()
    result = []
    for idx in range(len(points)):
        if idx in zone_pid:
            result.append(Resolution(int(zone_station[idx]), int(zone_pid[idx]), "zone"))
        elif idx in jur_station:
            result.append(Resolution(int(jur_station[idx]), None, "jurisdiction"))
        else:
            result.append(Resolution(None, None, "none"))
    return result


def schools_resolve_stations(schools: list[School]) -> list[School]:
    """Set ``zone`` and ``responsible_station`` on the given (unsaved or saved) schools in memory."""
    if not schools:
        return schools
    resolutions = resolve_points([s.lat for s in schools], [s.lon for s in schools], [s.area for s in schools])
    for school, res in zip(schools, resolutions, strict=True):
        school.zone_id = res.zone_id
        school.responsible_station_id = res.station_id
    return schools
