"""School gates (CSV, XLSX, GeoJSON points), matched by school code and gate name."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from campus.import_kinds import RegistryKind
from campus.models import Gate, School
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
        schools = {}
        for batch in chunked({code for code in school_code if code}):
            schools.update(dict(School.objects.filter(code__in=batch).values_list("code", "id")))
        school_ids = c.lookup(
            "school_code", school_code, schools, message=_("There is no school with code “%(value)s”.")
        )
        keys = list(zip(school_code.tolist(), name.tolist(), strict=True))
        c.duplicates(school_code + "\u0000" + name, "name", what=_("Gate"), shown=name)
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
        diff = diff_records(keys, values, existing, ~c.bad, floats=("lat", "lon"))
        labels = [f"{school} · {gate}" for school, gate in keys]
        return Plan(c.problems, diff.row_actions(sheet.rows, labels), payload=GatesPayload(values, diff))

    def write(self, plan: Plan, ctx: ImportContext) -> dict[str, int]:
        write_records(Gate, plan.payload.diff, plan.payload.values)
        return {}
