"""Schools (CSV, XLSX, GeoJSON): the registry, safety contacts, and the responsible station.

The responsible station is computed for the whole file in one geopandas join
(``campus.spatial.resolve_points``): the zone for urban schools, the
jurisdiction for rural ones. A school outside all of them is a warning, and so is
an urban school outside every urban zone (its station then comes from the
jurisdiction, which is not how urban schools are managed).

The preview lists, per record, the name, the WGS-84 position after any datum
conversion and the computed station (``RowAction.details``). A re-import that
moves most of the schools it updates by ``SHIFT_WARN_M`` or more is a file-level
warning: it names the coordinate system the file's numbers fit (within
``SHIFT_FIT_M`` of the stored positions) when one does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext_noop

from campus.import_kinds import RegistryKind
from campus.models import SafetyContact, School, Station, Zone
from campus.spatial import resolve_points
from common.geo import Crs, crs_text, from_wgs84, geometry_to_geojson, to_wgs84
from common.texts import Text, text
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
from imports.report import Action, Problem, Severity

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
# A re-import moving most updated schools this far looks like a wrong coordinate system (GCJ-02 and
# BD-09 are 100-700 m off WGS-84 in China); an alternative system fits when it lands this close.
SHIFT_WARN_M = 100.0
SHIFT_FIT_M = 30.0
SHIFT_MOST = 2 / 3
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
        c.duplicates(code, "code", what=text(gettext_noop("School code")))

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
                text(
                    gettext_noop(
                        "The school lies outside every station's jurisdiction and zone: "
                        "no station is responsible for it."
                    )
                ),
            )
        area_list = area.tolist()
        urban_outside = [
            i
            for i, (a, z, st) in enumerate(zip(area_list, zone_ids, station_ids, strict=True))
            if a == School.Area.URBAN and z is None and st is not None
        ]
        for index in urban_outside:
            c.warning(
                index,
                "lat",
                text(
                    gettext_noop(
                        "The school is urban but lies outside every urban zone: its station comes from the "
                        "jurisdiction instead. Check its position, or mark it rural."
                    )
                ),
            )
        values.update(sample_values(School, ctx, count))

        wanted = self._contact_cells(c)
        keys = code.tolist()
        existing = {}
        for batch in chunked(k for k in set(keys) if k):
            existing.update({s["code"]: s for s in School.objects.filter(code__in=batch).values("id", *values)})
        shift = self._shift_warning(keys, lat, lon, existing, ~c.bad & located.positions.ok, ctx.crs)
        if shift:
            c.problems.append(Problem(shift, severity=Severity.WARNING))
        diff = diff_records(keys, values, existing, ~c.bad, floats=("lat", "lon"), geometries=("campus",))
        contacts = self._plan_contacts(diff, wanted)
        rows = diff.row_actions(sheet.rows, keys)
        self._add_details(rows, values, located.positions.ok)
        for index in set(contacts.create) | {i for i, _v in contacts.update.values()}:
            if rows[index].action is Action.UNCHANGED:
                rows[index].action = Action.UPDATE
            if rows[index].action is Action.UPDATE:
                rows[index].changes += ("contact",)
        notes = {"schools_without_station": len(outside)}
        if urban_outside:
            notes["urban_schools_outside_zones"] = len(urban_outside)
        return Plan(c.problems, rows, notes=notes, payload=SchoolsPayload(values, diff, contacts))

    @staticmethod
    def _add_details(rows, values: dict[str, list], usable: np.ndarray) -> None:
        """Name, WGS-84 position and computed station of each record, for the preview (two queries)."""
        station_ids = {i for i in values["responsible_station_id"] if i is not None}
        zone_ids = {i for i in values["zone_id"] if i is not None}
        stations = dict(Station.objects.filter(pk__in=station_ids).values_list("pk", "name")) if station_ids else {}
        zones = dict(Zone.objects.filter(pk__in=zone_ids).values_list("pk", "name")) if zone_ids else {}
        for index, row in enumerate(rows):
            details = {"name": values["name"][index]}
            if usable[index]:
                details["lat"] = round(float(values["lat"][index]), 6)
                details["lon"] = round(float(values["lon"][index]), 6)
                details["station"] = stations.get(values["responsible_station_id"][index], "")
                details["zone"] = zones.get(values["zone_id"][index], "")
            row.details = details

    @staticmethod
    def _shift_warning(keys, lat, lon, existing: dict, usable: np.ndarray, crs: Crs) -> Text | None:
        """A warning when most re-imported schools moved ``SHIFT_WARN_M`` or more; which system fits, if one."""
        matched = [i for i, key in enumerate(keys) if usable[i] and key in existing]
        if not matched:
            return None
        new_lat, new_lon = np.asarray(lat, float)[matched], np.asarray(lon, float)[matched]
        old_lat = np.array([existing[keys[i]]["lat"] for i in matched], dtype=float)
        old_lon = np.array([existing[keys[i]]["lon"] for i in matched], dtype=float)
        moved = _distance_m(new_lat, new_lon, old_lat, old_lon)
        shifted = int((moved >= SHIFT_WARN_M).sum())
        if shifted < max(1, SHIFT_MOST * len(matched)) or (len(matched) < 3 and shifted < len(matched)):
            return None
        # The numbers as the file wrote them, read in each other system: does one land on the stored points?
        file_lon, file_lat = from_wgs84(new_lon, new_lat, crs)
        fits = []
        for other in Crs:
            if other is crs:
                continue
            other_lon, other_lat = to_wgs84(file_lon, file_lat, other)
            if float(np.median(_distance_m(other_lat, other_lon, old_lat, old_lon))) <= SHIFT_FIT_M:
                fits.append(other)
        # A stored ``Text`` has no plural forms: the English singular and plural are two message ids (the
        # singular one is the catalogue's plural entry, which gettext finds; Chinese has one form).
        moves = (
            gettext_noop(
                "This file moves %(shifted)d of the %(matched)d school it updates by %(min)d m or more "
                "(median %(median)d m)."
            )
            if len(matched) == 1
            else gettext_noop(
                "This file moves %(shifted)d of the %(matched)d schools it updates by %(min)d m or more "
                "(median %(median)d m)."
            )
        )
        message = text(
            moves,
            shifted=shifted,
            matched=len(matched),
            min=int(SHIFT_WARN_M),
            median=int(round(float(np.median(moved)))),
        ) + text(" ")
        if fits:
            return message + text(
                gettext_noop(
                    "The numbers match the stored positions if read as %(fit)s, not %(declared)s as declared: "
                    "the file was probably made in %(fit)s. Upload it again declaring that system."
                ),
                fit=crs_text(fits[0]),
                declared=crs_text(crs),
            )
        return message + text(
            gettext_noop("Check that %(declared)s is the file's coordinate system before applying."),
            declared=crs_text(crs),
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
                    c.error(
                        int(index),
                        "contact_phone",
                        text(gettext_noop("A safety contact needs a name (column contact_name).")),
                    )
            return None
        wanted: dict[int, dict[str, str]] = {}
        for index in np.flatnonzero((name != "").to_numpy()).tolist():
            contact = {"name": name.iat[index]}
            if title is not None:
                contact["title"] = title.iat[index]
            contact["phone"] = phone.iat[index] if phone is not None else ""
            if not contact["phone"]:
                c.error(
                    index,
                    "contact_phone",
                    text(gettext_noop("The safety contact %(name)s needs a phone number."), name=contact["name"]),
                )
            wanted[index] = contact
        if phone is not None:
            for index in np.flatnonzero(((phone != "") & (name == "")).to_numpy()):
                c.error(
                    int(index), "contact_name", text(gettext_noop("A safety contact needs a name.")), phone.iat[index]
                )
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


def _distance_m(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distances in metres between WGS-84 points, element-wise (haversine)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371008.8 * np.arcsin(np.sqrt(h))
