"""Departments (科室队) by code and officers (民警, 辅警) by badge number."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext_noop

from campus.import_kinds import RegistryKind
from campus.models import Department, Officer, Station
from common.texts import text
from imports.columns import Checker, Choices, Column, Sheet, chunked
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
from imports.readers import FileFormat
from imports.report import Problem

SHEETS = frozenset({FileFormat.CSV, FileFormat.XLSX})

DEPARTMENT_KINDS = Choices(
    ((Department.Kind.SECTION, "科"), (Department.Kind.OFFICE, "室"), (Department.Kind.BRIGADE, "队"))
)
OFFICER_KINDS = Choices(((Officer.Kind.POLICE, "民警"), (Officer.Kind.AUXILIARY, "辅警")))


@dataclass
class UnitsPayload:
    values: dict[str, list]
    diff: Diff


def _existing(model, key: str, keys: list[str], fields) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for batch in chunked({k for k in keys if k}):
        found.update({r[key]: r for r in model.objects.filter(**{f"{key}__in": batch}).values("id", *fields)})
    return found


def _codes(model, cells) -> dict[str, int]:
    found: dict[str, int] = {}
    if cells is None:
        return found
    for batch in chunked({c for c in cells if c}):
        found.update(dict(model.objects.filter(code__in=batch).values_list("code", "id")))
    return found


class DepartmentsImport(ImportKind):
    kind = RegistryKind.DEPARTMENTS
    formats = SHEETS
    columns = (
        Column("code", "部门代码", required=True),
        Column("name", "部门名称", required=True),
        Column("kind", "类别"),
        Column("phone", "电话"),
    )

    def validate(self, sheet: Sheet, checker: Checker, ctx: ImportContext) -> Plan:
        c = checker
        code = c.text("code", required=True, max_length=max_length(Department, "code"))
        name = c.text("name", required=True, max_length=max_length(Department, "name"))
        c.duplicates(code, "code", what=text(gettext_noop("Department code")))
        values: dict[str, list] = {"code": code.tolist(), "name": name.tolist()}
        kind = c.choice("kind", DEPARTMENT_KINDS, default=Department._meta.get_field("kind").default)
        if kind is not None:
            values["kind"] = kind.tolist()
        phone = c.text("phone", max_length=max_length(Department, "phone"))
        if phone is not None:
            values["phone"] = phone.tolist()
        values.update(sample_values(Department, ctx, len(sheet)))
        keys = code.tolist()
        diff = diff_records(keys, values, _existing(Department, "code", keys, values), ~c.bad)
        return Plan(c.problems, diff.row_actions(sheet.rows, keys), payload=UnitsPayload(values, diff))

    def write(self, plan: Plan, ctx: ImportContext) -> dict[str, int]:
        write_records(Department, plan.payload.diff, plan.payload.values)
        return {}


class OfficersImport(ImportKind):
    kind = RegistryKind.OFFICERS
    formats = SHEETS
    columns = (
        Column("badge_no", "警号", required=True),
        Column("name", "姓名", required=True),
        Column("kind", "类别", required=True),
        Column("station_code", "派出所代码"),
        Column("department_code", "部门代码"),
        Column("phone", "电话"),
        Column("active", "在岗"),
    )

    def validate(self, sheet: Sheet, checker: Checker, ctx: ImportContext) -> Plan:
        c = checker
        badge = c.text("badge_no", required=True, max_length=max_length(Officer, "badge_no"))
        name = c.text("name", required=True, max_length=max_length(Officer, "name"))
        kind = c.choice("kind", OFFICER_KINDS, required=True)
        c.duplicates(badge, "badge_no", what=text(gettext_noop("Badge number")))
        values: dict[str, list] = {"badge_no": badge.tolist(), "name": name.tolist(), "kind": kind.tolist()}
        station_code = c.text("station_code")
        department_code = c.text("department_code")
        station_ids = c.lookup(
            "station_code",
            station_code,
            _codes(Station, station_code),
            message=gettext_noop("There is no station with code “%(value)s”."),
        )
        department_ids = c.lookup(
            "department_code",
            department_code,
            _codes(Department, department_code),
            message=gettext_noop("There is no department with code “%(value)s”."),
        )
        if station_ids is None and department_ids is None:
            c.problems.append(
                Problem(
                    text(
                        gettext_noop(
                            "The file needs a station_code (派出所代码) or a department_code (部门代码) column."
                        )
                    ),
                    row=sheet.table.header_row,
                    column="station_code",
                )
            )
            c.bad[:] = True
        else:
            has_station = (station_code != "").to_numpy() if station_code is not None else np.zeros(len(sheet), bool)
            has_department = (
                (department_code != "").to_numpy() if department_code is not None else np.zeros(len(sheet), bool)
            )
            for index in np.flatnonzero(~has_station & ~has_department):
                c.error(
                    int(index),
                    "station_code" if station_code is not None else "department_code",
                    text(
                        gettext_noop(
                            "An officer belongs to a station or a department: give station_code or department_code."
                        )
                    ),
                )
        if station_ids is not None:
            values["station_id"] = station_ids.tolist()
        if department_ids is not None:
            values["department_id"] = department_ids.tolist()
        phone = c.text("phone", max_length=max_length(Officer, "phone"))
        if phone is not None:
            values["phone"] = phone.tolist()
        active = c.boolean("active", default=True)
        if active is not None:
            values["active"] = active.tolist()
        values.update(sample_values(Officer, ctx, len(sheet)))
        keys = badge.tolist()
        diff = diff_records(keys, values, _existing(Officer, "badge_no", keys, values), ~c.bad)
        return Plan(c.problems, diff.row_actions(sheet.rows, keys), payload=UnitsPayload(values, diff))

    def write(self, plan: Plan, ctx: ImportContext) -> dict[str, int]:
        write_records(Officer, plan.payload.diff, plan.payload.values)
        return {}
