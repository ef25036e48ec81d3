"""The ``airspace`` and ``markets`` import kinds of the ``imports`` app (GeoJSON, KML, zipped Shapefile).

Both run through the registry import machinery: the file's declared datum
(WGS-84, GCJ-02, BD-09) is removed, every problem is reported by feature and
attribute, the dry run writes nothing, applying writes all or nothing, and a
second import of the same file changes nothing. Records are matched by name.
Only users who manage the drone fleet (MANAGE_FLEET) may import them.

Airspace attributes: ``name`` (名称), ``kind`` (类型: no_fly/禁飞区, restricted/限飞区,
airport/机场, crowd/人员密集区), ``min_alt_m`` (最低高度, required for crowd areas),
``buffer_m`` (缓冲半径), ``valid_from`` (生效时间), ``valid_until`` (失效时间),
``source`` (来源), ``active`` (启用), ``notes`` (备注). Geometry: a Polygon or
MultiPolygon, or a Point with ``buffer_m`` (an airport's reference point and its
clearance radius), which becomes a circle drawn in the local UTM zone. A polygon
with ``buffer_m`` is grown by that much. Times without a zone are Beijing time.

Market attributes: ``name`` (名称), ``kind`` (类型: rural/大集, night/夜市),
``lunar_days`` (农历日: ``1,6`` or ``逢一六`` = lunar days 1, 6, 11, 16, 21, 26),
``weekdays`` (星期: ``5,6`` or ``周五,周六``; 1 = Monday ... 7 = Sunday), ``opens``
(开市) and ``closes`` (闭市) as ``HH:MM`` (default 07:00-12:00 for 大集,
18:00-22:00 for 夜市), ``min_alt_m`` (最低高度, default 30), ``station_code``
(派出所代码). Geometry: a LineString (the market street) or a Polygon (its area).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import gettext_noop

from campus.models import Station
from common.geo import Crs, geometry_to_geojson, point_problem, to_wgs84
from common.roles import Capability
from common.texts import Text, text
from drones.airspace.index import airspace_changed
from drones.missions.frame import LocalFrame, circle_geojson
from drones.missions.markets import parse_lunar_days
from drones.models import Airspace, Market
from drones.models.airspace import MAX_ATTENDANCE
from imports.columns import Checker, Choices, Column, Sheet, chunked
from imports.geometry import after_conversion, convert_points, convert_polygons, input_problem
from imports.kind import (
    Diff,
    ImportContext,
    ImportKind,
    Plan,
    diff_records,
    max_length,
    sample_values,
    write_records,
)
from imports.readers import GEO_FORMATS
from imports.report import Action


class FleetImportKind(models.TextChoices):
    """The keys and labels of drones' import kinds (``ImportBatch.kind``); ``DronesConfig.ready()`` registers them."""

    AIRSPACE = "airspace", _lazy("Airspace zones")
    MARKETS = "markets", _lazy("Markets")


def register_kinds() -> None:
    from imports.registry import kind_register

    kind_register(AirspaceImport())
    kind_register(MarketsImport())


AIRSPACE_KINDS = Choices(
    (
        (Airspace.Kind.NO_FLY, "禁飞区"),
        (Airspace.Kind.RESTRICTED, "限飞区"),
        (Airspace.Kind.AIRPORT, "机场"),
        (Airspace.Kind.CROWD, "人员密集区"),
    )
)
MARKET_KINDS = Choices(((Market.Kind.RURAL, "大集"), (Market.Kind.NIGHT, "夜市")))

# A zone drawn from a point may be at most this wide (an airport clearance area is some kilometres).
MAX_BUFFER_M = 50_000.0
DEFAULT_HOURS = {
    Market.Kind.RURAL: (dt.time(7, 0), dt.time(12, 0)),
    Market.Kind.NIGHT: (dt.time(18, 0), dt.time(22, 0)),
}
_WEEKDAY_WORDS = {
    "一": 0,
    "二": 1,
    "三": 2,
    "四": 3,
    "五": 4,
    "六": 5,
    "日": 6,
    "天": 6,
    "mon": 0,
    "tue": 1,
    "wed": 2,
    "thu": 3,
    "fri": 4,
    "sat": 5,
    "sun": 6,
}
_POINT, _LINESTRING, _POLYGON, _MULTIPOLYGON = 0, 1, 3, 6


class _ManagedByFleet:
    capability = Capability.MANAGE_FLEET
    formats = GEO_FORMATS

    def denied_message(self) -> str:
        return _("You may not import airspace zones or markets; that needs the right to manage the drone fleet.")


@dataclass
class _Payload:
    values: dict[str, list]
    diff: Diff


def _existing_by_name(model, names: pd.Series, fields, checker: Checker) -> dict[str, dict]:
    """Stored records by name; a name stored twice cannot be matched and is an error on its rows."""
    found: dict[str, dict] = {}
    doubled: set[str] = set()
    for batch in chunked({n for n in names if n}):
        for row in model.objects.filter(name__in=batch).values("id", *fields):
            if row["name"] in found:
                doubled.add(row["name"])
            found[row["name"]] = row
    for index in np.flatnonzero(names.isin(doubled).to_numpy()):
        checker.error(
            int(index),
            "name",
            text(
                gettext_noop("Several stored records are named “%(name)s”; rename them so the file can update one."),
                name=names.iat[index],
            ),
            names.iat[index],
        )
    return {name: row for name, row in found.items() if name not in doubled}


def _datetimes(checker: Checker, name: str) -> list[dt.datetime | None] | None:
    """Aware datetimes from ``2026-12-01``, ``2026-12-01 08:00`` or ISO 8601; Beijing time without a zone."""
    cells = checker.text(name)
    if cells is None:
        return None
    values: list[dt.datetime | None] = []
    zone = timezone.get_default_timezone()
    for index, cell in enumerate(cells):
        if not cell:
            values.append(None)
            continue
        written = cell.strip().replace("/", "-")
        try:
            moment = parse_datetime(written)
            if moment is None:
                day = parse_date(written)
                moment = dt.datetime.combine(day, dt.time()) if day else None
        except ValueError:
            moment = None
        if moment is None:
            checker.error(
                index,
                name,
                text(
                    gettext_noop("“%(value)s” is not a date or time; write 2026-12-01 or 2026-12-01 08:00."), value=cell
                ),
                cell,
            )
            values.append(None)
            continue
        values.append(moment if timezone.is_aware(moment) else timezone.make_aware(moment, zone))
    return values


def _numbers_in_range(checker: Checker, name: str, low: float, high: float) -> np.ndarray | None:
    numbers = checker.number(name)
    if numbers is None:
        return None
    cells = checker.sheet.text(name)
    with np.errstate(invalid="ignore"):
        bad = ~np.isnan(numbers) & ((numbers < low) | (numbers > high))
    checker.errors(
        bad,
        name,
        cells,
        lambda v: text(gettext_noop("%(value)s is outside %(low)g..%(high)g."), value=v, low=low, high=high),
    )
    numbers[bad] = np.nan
    return numbers


def _whole_numbers_in_range(checker: Checker, name: str, low: int, high: int) -> np.ndarray | None:
    """A column of whole numbers from ``low`` to ``high`` (people): anything else is an error at its cell."""
    numbers = _numbers_in_range(checker, name, low, high)
    if numbers is None:
        return None
    cells = checker.sheet.text(name)
    with np.errstate(invalid="ignore"):
        fractional = ~np.isnan(numbers) & (numbers != np.round(numbers))
    checker.errors(
        fractional, name, cells, lambda v: text(gettext_noop("%(value)s is not a whole number of people."), value=v)
    )
    numbers[fractional] = np.nan
    return numbers


def _floats(numbers: np.ndarray) -> list[float | None]:
    return [None if math.isnan(v) else float(v) for v in numbers]


def canonical(polygon):
    """One drawing of a polygon whatever the file's vertex order (a Shapefile's rings run clockwise, KML's
    not): normalised, exterior counter-clockwise. Re-importing the same zone from another format then
    changes nothing."""
    return shapely.orient_polygons(shapely.normalize(polygon))


def _buffer(polygon, distance_m: float):
    centre = polygon.representative_point()
    frame = LocalFrame(centre.y, centre.x)
    return frame.to_wgs84(frame.to_local(polygon).buffer(distance_m, quad_segs=8))


class AirspaceImport(_ManagedByFleet, ImportKind):
    kind = FleetImportKind.AIRSPACE
    columns = (
        Column("name", "名称", required=True),
        Column("kind", "类型", required=True),
        Column("min_alt_m", "最低高度"),
        Column("buffer_m", "缓冲半径"),
        Column("valid_from", "生效时间"),
        Column("valid_until", "失效时间"),
        Column("source", "来源"),
        Column("active", "启用"),
        Column("notes", "备注"),
    )

    def validate(self, sheet: Sheet, checker: Checker, ctx: ImportContext) -> Plan:
        c = checker
        count = len(sheet)
        name = c.text("name", required=True, max_length=max_length(Airspace, "name"))
        kind = c.choice("kind", AIRSPACE_KINDS, required=True)
        c.duplicates(name, "name", what=text(gettext_noop("Zone name")))
        min_alt = _numbers_in_range(c, "min_alt_m", 0.0, 1000.0)
        buffer_m = _numbers_in_range(c, "buffer_m", 0.0, MAX_BUFFER_M)
        min_alt = np.full(count, np.nan) if min_alt is None else min_alt
        buffer_m = np.full(count, np.nan) if buffer_m is None else buffer_m
        valid_from = _datetimes(c, "valid_from")
        valid_until = _datetimes(c, "valid_until")
        for index in range(count):
            if kind.iat[index] == Airspace.Kind.CROWD and math.isnan(min_alt[index]):
                c.error(
                    index,
                    "min_alt_m",
                    text(gettext_noop("A crowd area needs the minimum height to fly over it (min_alt_m).")),
                )
            start = valid_from[index] if valid_from else None
            end = valid_until[index] if valid_until else None
            if start and end and end <= start:
                c.error(
                    index,
                    "valid_until",
                    text(gettext_noop("The end of validity must be after its start.")),
                    end.isoformat(),
                )

        geometry, center_lat, center_lon = self._geometries(c, sheet, ctx.crs, buffer_m)
        # The geometry, its centre and radius always come together; other fields only when the file has them.
        values: dict[str, list] = {
            "name": name.tolist(),
            "kind": kind.tolist(),
            "geometry": geometry,
            "buffer_m": _floats(buffer_m),
            "center_lat": center_lat,
            "center_lon": center_lon,
        }
        if sheet.has("min_alt_m"):
            values["min_alt_m"] = _floats(min_alt)
        if valid_from is not None:
            values["valid_from"] = valid_from
        if valid_until is not None:
            values["valid_until"] = valid_until
        for field_name in ("source", "notes"):
            cells = c.text(field_name, max_length=max_length(Airspace, field_name) if field_name == "source" else None)
            if cells is not None:
                values[field_name] = cells.tolist()
        active = c.boolean("active", default=True)
        if active is not None:
            values["active"] = active.tolist()
        values.update(sample_values(Airspace, ctx, count))

        keys = name.tolist()
        existing = _existing_by_name(Airspace, name, [f for f in values if f != "name"] + ["name"], c)
        diff = diff_records(
            keys,
            values,
            existing,
            ~c.bad,
            floats=("min_alt_m", "buffer_m", "center_lat", "center_lon"),
            geometries=("geometry",),
        )
        notes = {"circles_from_points": int(sum(1 for v in center_lat if v is not None))}
        return Plan(c.problems, diff.row_actions(sheet.rows, keys), notes, _Payload(values, diff))

    def _geometries(self, c: Checker, sheet: Sheet, crs: Crs, buffer_m: np.ndarray):
        count = len(sheet)
        geometries = sheet.geometries
        result: list[dict | None] = [None] * count
        center_lat: list[float | None] = [None] * count
        center_lon: list[float | None] = [None] * count
        types = shapely.get_type_id(geometries)
        missing = shapely.is_missing(geometries)
        is_point = types == _POINT
        is_polygon = (types == _POLYGON) | (types == _MULTIPOLYGON)
        for index in np.flatnonzero(missing):
            c.error(
                int(index),
                "geometry",
                text(gettext_noop("The feature has no geometry; it needs a Polygon, or a Point with buffer_m.")),
            )
        for index in np.flatnonzero(~missing & ~is_point & ~is_polygon):
            c.error(
                int(index),
                "geometry",
                text(
                    gettext_noop("The geometry is a %(type)s; use a Polygon, or a Point with buffer_m."),
                    type=geometries[index].geom_type,
                ),
            )
        polygons = convert_polygons(c, np.where(is_polygon, geometries, None), crs, required=False)
        for index in np.flatnonzero(is_polygon):
            polygon = polygons[index]
            if polygon is None:
                continue
            if not math.isnan(buffer_m[index]) and buffer_m[index] > 0:
                polygon = _buffer(polygon, float(buffer_m[index]))
            result[index] = geometry_to_geojson(canonical(polygon))
        if is_point.any():
            lon = np.where(is_point, shapely.get_x(geometries), np.nan)
            lat = np.where(is_point, shapely.get_y(geometries), np.nan)
            positions = convert_points(c, lat, lon, crs, column="geometry")
            for index in np.flatnonzero(is_point):
                radius = buffer_m[index]
                if math.isnan(radius) or radius <= 0:
                    c.error(
                        int(index),
                        "buffer_m",
                        text(gettext_noop("A Point needs buffer_m, the radius of the zone around it in metres.")),
                    )
                    continue
                if not positions.ok[index]:
                    continue
                center_lat[index] = float(positions.lat[index])
                center_lon[index] = float(positions.lon[index])
                result[index] = circle_geojson(center_lat[index], center_lon[index], float(radius))
        return result, center_lat, center_lon

    def write(self, plan: Plan, ctx: ImportContext) -> dict[str, int]:
        diff = plan.payload.diff
        write_records(Airspace, diff, plan.payload.values)
        # Bulk writes send no signals and bulk_update leaves auto_now alone: move the airspace version here.
        updated = [diff.ids[i] for i in diff.indexes(Action.UPDATE)]
        if updated:
            Airspace.objects.filter(pk__in=updated).update(updated_at=timezone.now())
        airspace_changed()
        return {}


# --- markets -------------------------------------------------------------------------------------------


def parse_weekdays(cell: str) -> list[int]:
    """Weekdays as stored (0 = Monday) from ``5,6`` (1 = Monday ... 7 = Sunday), ``周五,周六``, ``Fri Sat``."""
    parts = [p for p in re.split(r"[\s,，、;；/]+", str(cell).strip()) if p]
    days = set()
    for part in parts:
        word = part.lower().removeprefix("星期").removeprefix("周").removeprefix("礼拜")
        if word.isdigit():
            number = int(word)
            if not 1 <= number <= 7:
                raise ValueError(text(gettext_noop("“%(value)s”: weekdays are 1 (Monday) to 7 (Sunday)."), value=part))
            days.add(number - 1)
        elif word[:3] in _WEEKDAY_WORDS:
            days.add(_WEEKDAY_WORDS[word[:3]])
        elif word in _WEEKDAY_WORDS:
            days.add(_WEEKDAY_WORDS[word])
        else:
            raise ValueError(text(gettext_noop("“%(value)s” is not a weekday."), value=part))
    return sorted(days)


def _times(checker: Checker, name: str) -> list[dt.time | None] | None:
    cells = checker.text(name)
    if cells is None:
        return None
    values: list[dt.time | None] = []
    for index, cell in enumerate(cells):
        match = re.fullmatch(r"(\d{1,2})[:：](\d{2})(?::\d{2})?", cell.strip()) if cell else None
        if not cell:
            values.append(None)
        elif match and int(match[1]) < 24 and int(match[2]) < 60:
            values.append(dt.time(int(match[1]), int(match[2])))
        else:
            checker.error(
                index,
                name,
                text(gettext_noop("“%(value)s” is not a time of day; write it as 18:30."), value=cell),
                cell,
            )
            values.append(None)
    return values


def _convert_lines(checker: Checker, geometries: np.ndarray, crs: Crs) -> list:
    """LineStrings (None elsewhere) checked as the file draws them, converted to WGS-84, checked again."""
    result: list = [None] * len(geometries)
    for index in range(len(geometries)):
        line = geometries[index]
        if line is None:
            continue
        if line.is_empty or line.length == 0 or len(line.coords) < 2:
            checker.error(index, "geometry", text(gettext_noop("A market street needs at least two different points.")))
            continue
        minx, miny, maxx, maxy = line.bounds
        problem = input_problem(miny, minx) or input_problem(maxy, maxx)
        if problem:
            checker.error(index, "geometry", text(gettext_noop("Line vertex: %(problem)s"), problem=problem))
            continue

        def convert(xy: np.ndarray) -> np.ndarray:
            lon, lat = to_wgs84(xy[:, 0], xy[:, 1], crs)
            return np.column_stack([lon, lat])

        converted = shapely.transform(line, convert)
        minx, miny, maxx, maxy = converted.bounds
        problem = point_problem(miny, minx) or point_problem(maxy, maxx)
        if problem:
            checker.error(
                index,
                "geometry",
                text(gettext_noop("Line vertex: %(problem)s"), problem=problem) + after_conversion(crs),
            )
            continue
        result[index] = converted
    return result


class MarketsImport(_ManagedByFleet, ImportKind):
    kind = FleetImportKind.MARKETS
    columns = (
        Column("name", "名称", required=True),
        Column("kind", "类型", required=True),
        Column("lunar_days", "农历日"),
        Column("weekdays", "星期"),
        Column("opens", "开市"),
        Column("closes", "闭市"),
        Column("min_alt_m", "最低高度"),
        Column("station_code", "派出所代码"),
        Column("attendance", "赶集人数"),
    )

    def validate(self, sheet: Sheet, checker: Checker, ctx: ImportContext) -> Plan:
        c = checker
        count = len(sheet)
        name = c.text("name", required=True, max_length=max_length(Market, "name"))
        attendance = _whole_numbers_in_range(c, "attendance", 0, MAX_ATTENDANCE)
        kind = c.choice("kind", MARKET_KINDS, required=True)
        c.duplicates(name, "name", what=text(gettext_noop("Market name")))
        lunar_days = self._parsed(c, "lunar_days", parse_lunar_days)
        weekdays = self._parsed(c, "weekdays", parse_weekdays)
        opens, closes = _times(c, "opens"), _times(c, "closes")
        min_alt = _numbers_in_range(c, "min_alt_m", 0.0, 120.0)
        station_code = c.text("station_code")
        station_ids = None
        if station_code is not None:
            known = {}
            for batch in chunked({code for code in station_code if code}):
                known.update(dict(Station.objects.filter(code__in=batch).values_list("code", "id")))
            station_ids = c.lookup(
                "station_code", station_code, known, message=gettext_noop("There is no station with code “%(value)s”.")
            )

        streets, areas = self._geometries(c, sheet, ctx.crs)
        values: dict[str, list] = {
            "name": name.tolist(),
            "kind": kind.tolist(),
            "street": streets,
            "area": areas,
            "lunar_days": lunar_days,
            "weekdays": weekdays,
        }
        default_open = [DEFAULT_HOURS.get(k, DEFAULT_HOURS[Market.Kind.RURAL]) for k in kind.tolist()]
        values["opens"] = [(opens[i] if opens and opens[i] else default_open[i][0]) for i in range(count)]
        values["closes"] = [(closes[i] if closes and closes[i] else default_open[i][1]) for i in range(count)]
        if min_alt is not None:
            values["min_alt_m"] = [30.0 if math.isnan(v) else float(v) for v in min_alt]
        if station_ids is not None:
            values["station_id"] = station_ids.tolist()
        if attendance is not None:
            values["attendance"] = [None if math.isnan(v) else int(v) for v in attendance]
        for index in range(count):
            if not lunar_days[index] and not weekdays[index] and not c.bad[index]:
                c.error(
                    index,
                    "lunar_days",
                    text(
                        gettext_noop(
                            "Say when the market is held: lunar_days (e.g. 1,6 for 逢一六) or weekdays (e.g. 5,6)."
                        )
                    ),
                )
            if values["opens"][index] == values["closes"][index]:
                c.error(index, "closes", text(gettext_noop("The market cannot close when it opens.")))
        values.update(sample_values(Market, ctx, count))
        keys = name.tolist()
        existing = _existing_by_name(Market, name, [f for f in values if f != "name"] + ["name"], c)
        diff = diff_records(keys, values, existing, ~c.bad, floats=("min_alt_m",), geometries=("street", "area"))
        return Plan(c.problems, diff.row_actions(sheet.rows, keys), {}, _Payload(values, diff))

    @staticmethod
    def _parsed(c: Checker, name: str, parse) -> list[list[int]]:
        cells = c.text(name)
        if cells is None:
            return [[] for _ in range(len(c.sheet))]
        result = []
        for index, cell in enumerate(cells):
            try:
                result.append(parse(cell) if cell else [])
            except ValueError as exc:
                # A parser that words its reason as a ``Text`` has it shown in the report reader's language.
                reason = exc.args[0] if exc.args and isinstance(exc.args[0], Text) else str(exc)
                c.error(index, name, reason, cell)
                result.append([])
        return result

    def _geometries(self, c: Checker, sheet: Sheet, crs: Crs) -> tuple[list, list]:
        geometries = sheet.geometries
        count = len(sheet)
        types = shapely.get_type_id(geometries)
        missing = shapely.is_missing(geometries)
        is_line = types == _LINESTRING
        is_polygon = (types == _POLYGON) | (types == _MULTIPOLYGON)
        for index in np.flatnonzero(missing):
            c.error(
                int(index),
                "geometry",
                text(gettext_noop("The feature has no geometry; draw the market street or its area.")),
            )
        for index in np.flatnonzero(~missing & ~is_line & ~is_polygon):
            c.error(
                int(index),
                "geometry",
                text(
                    gettext_noop("The geometry is a %(type)s; use a LineString (the street) or a Polygon (the area)."),
                    type=geometries[index].geom_type,
                ),
            )
        lines = _convert_lines(c, np.where(is_line, geometries, None), crs)
        polygons = convert_polygons(c, np.where(is_polygon, geometries, None), crs, required=False)
        streets = [geometry_to_geojson(lines[i]) if lines[i] is not None else None for i in range(count)]
        areas = [geometry_to_geojson(canonical(polygons[i])) if polygons[i] is not None else None for i in range(count)]
        return streets, areas

    def write(self, plan: Plan, ctx: ImportContext) -> dict[str, int]:
        write_records(Market, plan.payload.diff, plan.payload.values)
        return {}
