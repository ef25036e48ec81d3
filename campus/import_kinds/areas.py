"""Police stations, their jurisdictions, and urban zones: the polygons that decide responsibility.

Stations come from a spreadsheet, or from a geo file whose polygons are the
jurisdictions. Jurisdictions replace the polygon of existing stations; zones
are created or updated by code. Overlapping polygons are warnings. After a
write that changed a polygon, every school's responsible station is
recomputed by ``campus.services.schools_recompute_responsibility``; the dry run
counts how many schools would change station, with one spatial join.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from django.utils.translation import gettext_noop
from shapely import geometry as shp

from campus import services as campus_services
from campus.import_kinds import RegistryKind
from campus.models import School, Station, Zone
from campus.spatial import jurisdiction_frame, resolve_points, zone_frame
from common.geo import geometry_to_geojson
from common.texts import text
from imports.columns import Checker, Column, Sheet, chunked
from imports.geometry import convert_polygons, overlap_warnings
from imports.kind import (
    KEEP,
    Diff,
    ImportContext,
    ImportKind,
    Plan,
    diff_records,
    max_length,
    sample_values,
    write_records,
)
from imports.positions import locate
from imports.readers import GEO_FORMATS, FileFormat
from imports.report import Action

# A station's own limit of schools per liaison officer; the county default applies when empty.
_LIMIT_RANGE = (1, 100)


@dataclass
class AreasPayload:
    values: dict[str, list]
    diff: Diff


def _stations_by_code(codes) -> dict[str, int]:
    found: dict[str, int] = {}
    for batch in chunked({code for code in codes if code}):
        found.update(dict(Station.objects.filter(code__in=batch).values_list("code", "id")))
    return found


def _polygon_frame(rows: list[tuple[int, int, str, object]]) -> gpd.GeoDataFrame:
    """rows: (pid, station_id, code, WGS-84 polygon), like ``campus.spatial``'s frames."""
    return gpd.GeoDataFrame(
        {
            "pid": pd.Series([r[0] for r in rows], dtype="int64"),
            "station_id": pd.Series([r[1] for r in rows], dtype="int64"),
            "code": pd.Series([r[2] for r in rows], dtype=object),
        },
        geometry=gpd.GeoSeries([r[3] for r in rows], crs="EPSG:4326"),
    )


def responsibility_changes(
    *, jurisdictions: dict[int, tuple[str, object]] | None = None, zones: list[tuple] | None = None
) -> int:
    """How many schools would change responsible station if these polygons replaced the stored ones.

    ``jurisdictions``: station id -> (station code, WGS-84 polygon).
    ``zones``: (zone id or None for a new zone, station id, code, WGS-84 polygon).
    """
    schools = list(School.objects.values_list("lat", "lon", "area", "responsible_station_id"))
    if not schools:
        return 0
    juris = jurisdiction_frame()
    if jurisdictions:
        juris = juris[~juris["station_id"].isin(list(jurisdictions))]
        added = _polygon_frame([(sid, sid, code, shape) for sid, (code, shape) in jurisdictions.items()])
        juris = pd.concat([juris, added], ignore_index=True) if len(juris) else added
    zone_polygons = zone_frame()
    if zones:
        replaced = [z[0] for z in zones if z[0] is not None]
        zone_polygons = zone_polygons[~zone_polygons["pid"].isin(replaced)]
        # New zones have no id yet; negative ids keep them apart in the join.
        added = _polygon_frame([(z[0] or -(n + 1), z[1], z[2], z[3]) for n, z in enumerate(zones)])
        zone_polygons = pd.concat([zone_polygons, added], ignore_index=True) if len(zone_polygons) else added
    lats, lons, areas, current = zip(*schools, strict=True)
    resolved = resolve_points(np.asarray(lats), np.asarray(lons), list(areas), zones=zone_polygons, jurisdictions=juris)
    return sum(1 for r, old in zip(resolved, current, strict=True) if r.station_id != old)


def _recompute(ctx: ImportContext, what: str) -> dict[str, int]:
    changed = campus_services.schools_recompute_responsibility(actor=ctx.user, reason=what)
    return {"schools_reassigned": changed}


class StationsImport(ImportKind):
    kind = RegistryKind.STATIONS
    formats = frozenset({FileFormat.CSV, FileFormat.XLSX, *GEO_FORMATS})
    columns = (
        Column("code", "派出所代码", required=True),
        Column("name", "派出所名称", required=True),
        Column("address", "地址"),
        Column("duty_phone", "值班电话"),
        Column("lat", "纬度"),
        Column("lon", "经度"),
        Column("max_schools_per_officer", "每人最多学校数"),
    )

    def validate(self, sheet: Sheet, checker: Checker, ctx: ImportContext) -> Plan:
        c = checker
        count = len(sheet)
        code = c.text("code", required=True, max_length=max_length(Station, "code"))
        name = c.text("name", required=True, max_length=max_length(Station, "name"))
        c.duplicates(code, "code", what=text(gettext_noop("Station code")))
        values: dict[str, list] = {"code": code.tolist(), "name": name.tolist()}
        for field_name in ("address", "duty_phone"):
            cells = c.text(field_name, max_length=max_length(Station, field_name))
            if cells is not None:
                values[field_name] = cells.tolist()
        limit = c.integer("max_schools_per_officer", min_value=_LIMIT_RANGE[0], max_value=_LIMIT_RANGE[1])
        if limit is not None:
            values["max_schools_per_officer"] = limit.tolist()

        located = locate(c, sheet, ctx.crs, required=False, polygons=True, point_in_polygon=False)
        positions = located.positions
        has_columns = sheet.has("lat") or sheet.has("lon")
        if has_columns or sheet.geometries is not None:
            # A polygon feature without lat/lon says nothing about the station building: keep it.
            keep = [not has_columns and not given for given in located.given]
            for field_name, numbers in (("lat", positions.lat), ("lon", positions.lon)):
                values[field_name] = [
                    KEEP if k else (None if np.isnan(v) else float(v)) for k, v in zip(keep, numbers, strict=True)
                ]
        polygons = located.polygons
        notes: dict[str, int] = {}
        if polygons is not None:
            values["jurisdiction"] = [KEEP if p is None else geometry_to_geojson(p) for p in polygons]
        values.update(sample_values(Station, ctx, count))

        keys = code.tolist()
        existing = {}
        for batch in chunked({k for k in keys if k}):
            existing.update({s["code"]: s for s in Station.objects.filter(code__in=batch).values("id", *values)})
        diff = diff_records(keys, values, existing, ~c.bad, floats=("lat", "lon"), geometries=("jurisdiction",))
        if polygons is not None:
            others = [
                (text(gettext_noop("station %(code)s"), code=s.code), shp.shape(s.jurisdiction))
                for s in Station.objects.exclude(code__in=keys).exclude(jurisdiction=None).only("code", "jurisdiction")
                if s.jurisdiction
            ]
            notes["overlaps"] = overlap_warnings(c, polygons, keys, others)
            changing = {
                diff.ids[i]: (keys[i], polygons[i])
                for i in range(count)
                if polygons[i] is not None and diff.ids[i] is not None and "jurisdiction" in diff.changed[i]
            }
            notes["schools_changing_station"] = responsibility_changes(jurisdictions=changing) if changing else 0
        return Plan(c.problems, diff.row_actions(sheet.rows, keys), notes, AreasPayload(values, diff))

    def write(self, plan: Plan, ctx: ImportContext) -> dict[str, int]:
        payload: AreasPayload = plan.payload
        write_records(Station, payload.diff, payload.values)
        polygons = payload.values.get("jurisdiction")
        if polygons is None:
            return {}
        touched = any(
            (action is Action.CREATE and polygons[i]) or (action is Action.UPDATE and "jurisdiction" in changed)
            for i, (action, changed) in enumerate(zip(payload.diff.actions, payload.diff.changed, strict=True))
        )
        return _recompute(ctx, "station import changed jurisdictions") if touched else {}


class JurisdictionsImport(ImportKind):
    """One (Multi)Polygon per existing station, replacing its jurisdiction."""

    kind = RegistryKind.JURISDICTIONS
    formats = GEO_FORMATS
    columns = (Column("station_code", "派出所代码", required=True),)

    def validate(self, sheet: Sheet, checker: Checker, ctx: ImportContext) -> Plan:
        c = checker
        code = c.text("station_code", required=True)
        c.duplicates(code, "station_code", what=text(gettext_noop("Station code")))
        stations = _stations_by_code(code)
        c.lookup("station_code", code, stations, message=gettext_noop("There is no station with code “%(value)s”."))
        polygons = convert_polygons(c, sheet.geometries, ctx.crs)
        keys = code.tolist()
        values = {"jurisdiction": [None if p is None else geometry_to_geojson(p) for p in polygons]}
        existing = {
            s["code"]: s for s in Station.objects.filter(code__in=list(stations)).values("id", "code", "jurisdiction")
        }
        diff = diff_records(keys, values, existing, ~c.bad, geometries=("jurisdiction",))
        others = [
            (text(gettext_noop("station %(code)s"), code=s.code), shp.shape(s.jurisdiction))
            for s in Station.objects.exclude(code__in=keys).exclude(jurisdiction=None).only("code", "jurisdiction")
            if s.jurisdiction
        ]
        labels = [text(gettext_noop("station %(code)s"), code=k) for k in keys]
        notes = {"overlaps": overlap_warnings(c, polygons, labels, others)}
        changing = {diff.ids[i]: (keys[i], polygons[i]) for i in range(len(keys)) if diff.actions[i] is Action.UPDATE}
        notes["schools_changing_station"] = responsibility_changes(jurisdictions=changing) if changing else 0
        return Plan(c.problems, diff.row_actions(sheet.rows, keys), notes, AreasPayload(values, diff))

    def write(self, plan: Plan, ctx: ImportContext) -> dict[str, int]:
        payload: AreasPayload = plan.payload
        write_records(Station, payload.diff, payload.values)
        if not payload.diff.indexes(Action.UPDATE):
            return {}
        return _recompute(ctx, "jurisdiction import")


class ZonesImport(ImportKind):
    """Urban management zones (城区划片) by code, each with its responsible station."""

    kind = RegistryKind.ZONES
    formats = GEO_FORMATS
    columns = (
        Column("code", "网格代码", required=True),
        Column("name", "网格名称", required=True),
        Column("station_code", "派出所代码", required=True),
    )

    def validate(self, sheet: Sheet, checker: Checker, ctx: ImportContext) -> Plan:
        c = checker
        code = c.text("code", required=True, max_length=max_length(Zone, "code"))
        name = c.text("name", required=True, max_length=max_length(Zone, "name"))
        station_code = c.text("station_code", required=True)
        c.duplicates(code, "code", what=text(gettext_noop("Zone code")))
        station_ids = c.lookup(
            "station_code",
            station_code,
            _stations_by_code(station_code),
            message=gettext_noop("There is no station with code “%(value)s”."),
        )
        polygons = convert_polygons(c, sheet.geometries, ctx.crs)
        keys = code.tolist()
        values: dict[str, list] = {
            "code": code.tolist(),
            "name": name.tolist(),
            "station_id": station_ids.tolist(),
            "boundary": [None if p is None else geometry_to_geojson(p) for p in polygons],
        }
        values.update(sample_values(Zone, ctx, len(keys)))
        existing = {}
        for batch in chunked({k for k in keys if k}):
            existing.update({z["code"]: z for z in Zone.objects.filter(code__in=batch).values("id", *values)})
        diff = diff_records(keys, values, existing, ~c.bad, geometries=("boundary",))
        others = [
            (text(gettext_noop("zone %(code)s"), code=z.code), shp.shape(z.boundary))
            for z in Zone.objects.exclude(code__in=keys).only("code", "boundary")
            if z.boundary
        ]
        labels = [text(gettext_noop("zone %(code)s"), code=k) for k in keys]
        notes = {"overlaps": overlap_warnings(c, polygons, labels, others)}
        changing = [
            (diff.ids[i], station_ids[i], keys[i], polygons[i])
            for i in range(len(keys))
            if diff.actions[i] in (Action.CREATE, Action.UPDATE)
        ]
        notes["schools_changing_station"] = responsibility_changes(zones=changing) if changing else 0
        return Plan(c.problems, diff.row_actions(sheet.rows, keys), notes, AreasPayload(values, diff))

    def write(self, plan: Plan, ctx: ImportContext) -> dict[str, int]:
        payload: AreasPayload = plan.payload
        write_records(Zone, payload.diff, payload.values)
        if not (payload.diff.indexes(Action.CREATE) or payload.diff.indexes(Action.UPDATE)):
            return {}
        return _recompute(ctx, "zone import")
