"""Schools (CSV, XLSX, GeoJSON): the registry, safety contacts, and the responsible station.

The responsible station is computed for the whole file in one geopandas join
(``campus.spatial.resolve_points``): the zone for urban schools, the
jurisdiction for rural ones. A school outside all of them is a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext as _

from campus.import_kinds import RegistryKind
from campus.models import SafetyContact, School
from campus.spatial import resolve_points
from common.geo import geometry_to_geojson
from imports.columns import Checker, Choices, Column, Sheet, chunked
from imports.kind import (
    KEEP,
    Diff,
    ImportContext,
    ImportKind,
    Plan,
    diff_records,
    max_length,
    max_value,
    sample_values,
    write_records,
)
from imports.positions import locate
from imports.readers import FileFormat, Table
from imports.report import Action

LEVELS = Choices(
    (
        (School.Level.KINDERGARTEN, "幼儿园"),
        (School.Level.PRIMARY, "小学"),
        (School.Level.JUNIOR, "初中"),
        (School.Level.SENIOR, "高中"),
        (School.Level.NINE_YEAR, "九年一贯制"),
        (School.Level.VOCATIONAL, "职业学校"),
        (School.Level.SPECIAL, "特殊教育学校"),
    )
)
AREAS = Choices(((School.Area.URBAN, "城区"), (School.Area.RURAL, "农村")))

COLUMNS = (
    Column("code", "学校代码", required=True),
    Column("name", "学校名称", required=True),
    Column("level", "学段", required=True),
    Column("area", "城乡", required=True),
    Column("lat", "纬度", required=True),
    Column("lon", "经度", required=True),
    Column("boarding", "寄宿"),
    Column("school_bus", "校车"),
    Column("pupils", "学生数"),
    Column("address", "地址"),
    Column("phone", "电话"),
    Column("contact_name", "安全负责人"),
    Column("contact_title", "职务"),
    Column("contact_phone", "联系电话"),
    Column("active", "在用"),
)
_OPTIONAL_TEXT = ("address", "phone")
_CONTACT_FIELDS = ("name", "title", "phone")


@dataclass
class ContactPlan:
    """Primary safety contacts to create (record index -> values) or update (contact id -> (index, values))."""

    create: dict[int, dict[str, str]]
    update: dict[int, tuple[int, dict[str, str]]]


@dataclass
class SchoolsPayload:
    values: dict[str, list]
    diff: Diff
    contacts: ContactPlan


class SchoolsImport(ImportKind):
    kind = RegistryKind.SCHOOLS
    formats = frozenset({FileFormat.CSV, FileFormat.XLSX, FileFormat.GEOJSON})
    columns = COLUMNS

    def columns_for(self, table: Table) -> tuple[Column, ...]:
        if table.geometries is None:
            return COLUMNS
        return tuple(Column(c.name, c.zh) if c.name in ("lat", "lon") else c for c in COLUMNS)

    def validate(self, sheet: Sheet, checker: Checker, ctx: ImportContext) -> Plan:
        c = checker
        count = len(sheet)
        code = c.text("code", required=True, max_length=max_length(School, "code"))
        name = c.text("name", required=True, max_length=max_length(School, "name"))
        level = c.choice("level", LEVELS, required=True)
        area = c.choice("area", AREAS, required=True)
        values: dict[str, list] = {
            "code": code.tolist(),
            "name": name.tolist(),
            "level": level.tolist(),
            "area": area.tolist(),
        }
        optional = {
            "boarding": c.boolean("boarding", default=False),
            "school_bus": c.boolean("school_bus", default=False),
            "pupils": c.integer("pupils", min_value=0, max_value=max_value(School, "pupils"), default=0),
            "active": c.boolean("active", default=True),
        }
        for field_name in _OPTIONAL_TEXT:
            optional[field_name] = c.text(field_name, max_length=max_length(School, field_name))
        values.update({k: v.tolist() for k, v in optional.items() if v is not None})
        c.duplicates(code, "code", what=_("School code"))

        located = locate(c, sheet, ctx.crs, required=True, polygons=True)
        lat, lon = located.positions.lat, located.positions.lon
        values["lat"], values["lon"] = lat.tolist(), lon.tolist()
        if located.polygons is not None:
            # A point feature says nothing about the campus outline: keep the stored one.
            values["campus"] = [KEEP if p is None else geometry_to_geojson(p) for p in located.polygons]

        zone_ids, station_ids, outside = self._resolve(located.positions.ok & (area != "").to_numpy(), lat, lon, area)
        values["zone_id"], values["responsible_station_id"] = zone_ids, station_ids
        for index in outside:
            c.warning(
                index,
                "lat",
                _("The school lies outside every station's jurisdiction and zone: no station is responsible for it."),
            )
        values.update(sample_values(School, ctx, count))

        wanted = self._contact_cells(c)
        keys = code.tolist()
        existing = {}
        for batch in chunked(k for k in set(keys) if k):
            existing.update({s["code"]: s for s in School.objects.filter(code__in=batch).values("id", *values)})
        diff = diff_records(keys, values, existing, ~c.bad, floats=("lat", "lon"), geometries=("campus",))
        contacts = self._plan_contacts(diff, wanted)
        rows = diff.row_actions(sheet.rows, keys)
        for index in set(contacts.create) | {i for i, _v in contacts.update.values()}:
            if rows[index].action is Action.UNCHANGED:
                rows[index].action = Action.UPDATE
            if rows[index].action is Action.UPDATE:
                rows[index].changes += ("contact",)
        return Plan(
            c.problems,
            rows,
            notes={"schools_without_station": len(outside)},
            payload=SchoolsPayload(values, diff, contacts),
        )

    @staticmethod
    def _resolve(usable: np.ndarray, lat: np.ndarray, lon: np.ndarray, area) -> tuple[list, list, list[int]]:
        """Zone and responsible station of every usable record, in one spatial join."""
        zone_ids: list = [None] * len(lat)
        station_ids: list = [None] * len(lat)
        outside: list[int] = []
        indexes = np.flatnonzero(usable)
        if len(indexes):
            resolutions = resolve_points(lat[indexes], lon[indexes], area.to_numpy()[indexes].tolist())
            for index, resolution in zip(indexes.tolist(), resolutions, strict=True):
                zone_ids[index] = resolution.zone_id
                station_ids[index] = resolution.station_id
                if resolution.station_id is None:
                    outside.append(index)
        return zone_ids, station_ids, outside

    @staticmethod
    def _contact_cells(c: Checker) -> dict[int, dict[str, str]] | None:
        """Per record, the primary safety contact the file names (None when the file has no contacts)."""
        name = c.text("contact_name", max_length=max_length(SafetyContact, "name"))
        title = c.text("contact_title", max_length=max_length(SafetyContact, "title"))
        phone = c.text("contact_phone", max_length=max_length(SafetyContact, "phone"))
        if name is None:
            if phone is not None or title is not None:
                for index in np.flatnonzero(((phone if phone is not None else title) != "").to_numpy()):
                    c.error(int(index), "contact_phone", _("A safety contact needs a name (column contact_name)."))
            return None
        wanted: dict[int, dict[str, str]] = {}
        for index in np.flatnonzero((name != "").to_numpy()).tolist():
            contact = {"name": name.iat[index]}
            if title is not None:
                contact["title"] = title.iat[index]
            contact["phone"] = phone.iat[index] if phone is not None else ""
            if not contact["phone"]:
                c.error(index, "contact_phone", _("The safety contact %(name)s needs a phone number.") % contact)
            wanted[index] = contact
        if phone is not None:
            for index in np.flatnonzero(((phone != "") & (name == "")).to_numpy()):
                c.error(int(index), "contact_name", _("A safety contact needs a name."), phone.iat[index])
        return wanted

    @staticmethod
    def _plan_contacts(diff: Diff, wanted: dict[int, dict[str, str]] | None) -> ContactPlan:
        create: dict[int, dict[str, str]] = {}
        update: dict[int, tuple[int, dict[str, str]]] = {}
        if not wanted:
            return ContactPlan(create, update)
        school_ids = [diff.ids[i] for i in wanted if diff.ids[i] is not None]
        current: dict[int, dict] = {}
        for batch in chunked(school_ids):
            for contact in (
                SafetyContact.objects.filter(school_id__in=batch, is_primary=True)
                .order_by("id")
                .values("id", "school_id", *_CONTACT_FIELDS)
            ):
                current.setdefault(contact["school_id"], contact)
        for index, contact in wanted.items():
            if diff.actions[index] is Action.INVALID:
                continue
            old = current.get(diff.ids[index]) if diff.ids[index] is not None else None
            if old is None:
                create[index] = contact
            elif any(old[k] != v for k, v in contact.items()):
                update[old["id"]] = (index, contact)
        return ContactPlan(create, update)

    def write(self, plan: Plan, ctx: ImportContext) -> dict[str, int]:
        payload: SchoolsPayload = plan.payload
        created = write_records(School, payload.diff, payload.values)
        school_ids = list(payload.diff.ids)
        for index, school in zip(payload.diff.indexes(Action.CREATE), created, strict=True):
            school_ids[index] = school.pk
        contacts = payload.contacts
        SafetyContact.objects.bulk_create(
            [
                SafetyContact(school_id=school_ids[index], is_primary=True, **values)
                for index, values in contacts.create.items()
            ],
            batch_size=500,
        )
        if contacts.update:
            fields = sorted({k for _index, values in contacts.update.values() for k in values})
            SafetyContact.objects.bulk_update(
                [SafetyContact(pk=pk, **values) for pk, (_index, values) in contacts.update.items()],
                fields,
                batch_size=500,
            )
        return {}
