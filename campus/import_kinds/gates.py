"""School gates (CSV, XLSX, GeoJSON points), matched by school code and gate name."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext_noop

from campus.import_kinds import RegistryKind
from campus.models import Gate, School
from common.geo import haversine_m
from common.texts import text
from imports.columns import Checker, Column, Sheet, chunked
from imports.kind import (
    Diff,
    ImportContext,
    ImportKind,
    Plan,
    diff_records,
    max_length,
    write_records,
)
from imports.positions import locate
from imports.readers import FileFormat, Table

# A gate this far from its school's registered position is probably in another coordinate system, or
# belongs to another school: a warning in the preview (the gate is still imported if applied).
GATE_FAR_M = 500.0

COLUMNS = (
    Column("school_code", "学校代码", required=True),
    Column("name", "校门名称", required=True),
    Column("lat", "纬度", required=True),
    Column("lon", "经度", required=True),
    Column("is_main", "主校门"),
)


@dataclass
class GatesPayload:
    values: dict[str, list]
    diff: Diff


class GatesImport(ImportKind):
    kind = RegistryKind.GATES
    formats = frozenset({FileFormat.CSV, FileFormat.XLSX, FileFormat.GEOJSON})
    columns = COLUMNS

    def columns_for(self, table: Table) -> tuple[Column, ...]:
        if table.geometries is None:
            return COLUMNS
        return tuple(Column(c.name, c.zh) if c.name in ("lat", "lon") else c for c in COLUMNS)

    def validate(self, sheet: Sheet, checker: Checker, ctx: ImportContext) -> Plan:
        c = checker
        school_code = c.text("school_code", required=True)
        name = c.text("name", required=True, max_length=max_length(Gate, "name"))
        is_main = c.boolean("is_main", default=False)
        schools, school_rows = {}, {}
        for batch in chunked({code for code in school_code if code}):
            for row in School.objects.filter(code__in=batch).values(
                "code", "id", "name", "lat", "lon", "responsible_station__name"
            ):
                schools[row["code"]] = row["id"]
                school_rows[row["code"]] = row
        school_ids = c.lookup(
            "school_code", school_code, schools, message=gettext_noop("There is no school with code “%(value)s”.")
        )
        keys = list(zip(school_code.tolist(), name.tolist(), strict=True))
        c.duplicates(school_code + "\u0000" + name, "name", what=text(gettext_noop("Gate")), shown=name)
        located = locate(c, sheet, ctx.crs, required=True, polygons=False)
        values: dict[str, list] = {
            "school_id": school_ids.tolist(),
            "name": name.tolist(),
            "lat": located.positions.lat.tolist(),
            "lon": located.positions.lon.tolist(),
        }
        if is_main is not None:
            values["is_main"] = is_main.tolist()
        existing = {}
        for batch in chunked(set(schools.values())):
            for gate in Gate.objects.filter(school_id__in=batch).values("id", "school__code", *values):
                existing[(gate["school__code"], gate["name"])] = gate
        usable = located.positions.ok & ~c.bad
        self._far_from_school(c, keys, values, school_rows, usable)
        diff = diff_records(keys, values, existing, ~c.bad, floats=("lat", "lon"))
        labels = [f"{school} · {gate}" for school, gate in keys]
        rows = diff.row_actions(sheet.rows, labels)
        self._add_details(rows, keys, values, school_rows, usable)
        return Plan(c.problems, rows, payload=GatesPayload(values, diff))

    @staticmethod
    def _distances_m(keys, values: dict[str, list], school_rows: dict) -> list[float | None]:
        """Each gate's distance from its school's registered position (None when either is unknown)."""
        found: list[float | None] = []
        for index, (code, _gate) in enumerate(keys):
            school = school_rows.get(code)
            lat, lon = values["lat"][index], values["lon"][index]
            if school is None or school["lat"] is None or lat is None or not np.isfinite(lat):
                found.append(None)
            else:
                found.append(haversine_m(lat, lon, school["lat"], school["lon"]))
        return found

    def _far_from_school(self, c: Checker, keys, values, school_rows: dict, usable: np.ndarray) -> None:
        for index, distance in enumerate(self._distances_m(keys, values, school_rows)):
            if usable[index] and distance is not None and distance > GATE_FAR_M:
                c.warning(
                    index,
                    "lat",
                    text(
                        gettext_noop(
                            "This gate is %(distance)s m from %(school)s's registered position (more than %(limit)d "
                            "m): check the coordinates, the coordinate system chosen for the file and the school code."
                        ),
                        distance=f"{distance:,.0f}",
                        school=school_rows[keys[index][0]]["name"],
                        limit=GATE_FAR_M,
                    ),
                )

    def _add_details(self, rows, keys, values, school_rows: dict, usable: np.ndarray) -> None:
        """The school's name with the gate's, the WGS-84 position after any datum conversion and the school's
        responsible station, for the preview (read with the schools: no extra query)."""
        distances = self._distances_m(keys, values, school_rows)
        for index, row in enumerate(rows):
            school = school_rows.get(keys[index][0])
            details = {"name": f"{school['name']} · {keys[index][1]}" if school else keys[index][1]}
            if usable[index]:
                details["lat"] = round(float(values["lat"][index]), 6)
                details["lon"] = round(float(values["lon"][index]), 6)
                details["station"] = (school or {}).get("responsible_station__name") or ""
                if distances[index] is not None:
                    details["from_school_m"] = round(distances[index])
            row.details = details

    def write(self, plan: Plan, ctx: ImportContext) -> dict[str, int]:
        write_records(Gate, plan.payload.diff, plan.payload.values)
        return {}
