"""Deterministic generator of the fictitious sample county 示例县 near 36.18 N, 118.17 E.

``generate_county()`` returns the same ``SampleCounty`` on every run: all
randomness comes from ``random.Random`` streams seeded from ``SEED`` (one
stream for geometry, one for names, one for attributes, so a change to one
does not reshuffle the others). Shapes are made in EPSG:32650 metres and
returned in WGS-84.

The county: an irregular ~35 x 30 km boundary; 12 police stations whose
jurisdictions are the Voronoi partition of the boundary around their
buildings; a county town near the centre shared by three urban stations and
split into 8 zones (城区划片); 60 schools of every level; 8 departments;
about 75 officers; and a story of 一校一警 and 挂包 assignments with
deliberate gaps for the coverage report (``campus.sample.story``; see
``SampleCounty.highlights``).
"""

from __future__ import annotations

import math
import random
from dataclasses import replace

from shapely import geometry as shp
from shapely.ops import unary_union

from campus.sample import geometry as geo
from campus.sample.county import (
    SampleContact,
    SampleCounty,
    SampleDepartment,
    SampleGate,
    SampleOfficer,
    SampleSchool,
    SampleStation,
    SampleUser,
    SampleZone,
)
from campus.sample.names import (
    COUNTY_NAME,
    DEPARTMENTS,
    ROADS,
    RURAL_STEMS,
    SAMPLE_MARK,
    URBAN_STEMS,
    NameMaker,
)
from campus.sample.story import liaison_story
from common.roles import Role
from common.sample_users import SAMPLE_USERS

SEED = 20260101
# 10-digit school codes in the style of the 学校标识码: a county prefix and a serial number.
SCHOOL_CODE_PREFIX = "990000"  # no such administrative division: obviously sample
STAFF_USERNAME_PREFIX = "staff_"

_CN_DIGITS = "一二三四五六七八九十"

# Urban schools: (level, name, preferred urban station stem or "").
URBAN_SCHOOLS = (
    ("senior", "示例县第一中学", ""),
    ("senior", "示例县实验高级中学", ""),
    ("vocational", "示例县职业中等专业学校", ""),
    ("vocational", "示例县技工学校", ""),
    ("special", "示例县特殊教育学校", ""),
    ("junior", "示例县实验中学", ""),
    ("junior", "城关中学", "城关"),
    ("junior", "城东中学", "城东"),
    ("nine_year", "城西学校", "城西"),
    ("primary", "示例县实验小学", ""),
    ("primary", "城关第一小学", "城关"),
    ("primary", "城关第二小学", "城关"),
    ("primary", "城东小学", "城东"),
    ("primary", "城西小学", "城西"),
    ("primary", "育才小学", ""),
    ("primary", "文昌小学", ""),
    ("primary", "滨河小学", ""),
    ("kindergarten", "示例县实验幼儿园", ""),
    ("kindergarten", "示例县机关幼儿园", ""),
    ("kindergarten", "城关中心幼儿园", "城关"),
    ("kindergarten", "城东幼儿园", "城东"),
    ("kindergarten", "城西幼儿园", "城西"),
    ("kindergarten", "育才幼儿园", ""),
)

# Pupil counts by (level, kind of school); kind is "urban", "central" (township centre) or "village".
PUPILS = {
    ("kindergarten", "urban"): (180, 460),
    ("kindergarten", "central"): (120, 260),
    ("kindergarten", "village"): (40, 120),
    ("primary", "urban"): (1200, 2600),
    ("primary", "central"): (450, 950),
    ("primary", "village"): (80, 320),
    ("junior", "urban"): (1300, 2500),
    ("junior", "central"): (500, 1200),
    ("senior", "urban"): (2400, 3800),
    ("senior", "central"): (1800, 2600),
    ("nine_year", "urban"): (1500, 2400),
    ("nine_year", "central"): (500, 1300),
    ("vocational", "urban"): (1500, 3200),
    ("special", "urban"): (90, 160),
}

# Half sizes of the campus rectangle by level, metres (the campus is twice that across).
CAMPUS_HALF_M = {
    "kindergarten": (60, 75),
    "special": (60, 80),
    "primary": (70, 105),
    "junior": (85, 115),
    "nine_year": (85, 115),
    "senior": (100, 125),
    "vocational": (100, 125),
}

_GATE_SIDES = {"南门": (0.0, -1.0), "北门": (0.0, 1.0), "东门": (1.0, 0.0), "西门": (-1.0, 0.0)}


def sample(name: str) -> str:
    return name + SAMPLE_MARK


def generate_county(seed: int = SEED) -> SampleCounty:
    """The whole sample county, identical for the same ``seed``."""
    return _Builder(seed).build()


class _Builder:
    def __init__(self, seed: int) -> None:
        self.geo_rng = random.Random(seed)
        self.attr_rng = random.Random(seed + 1)
        self.names = NameMaker(random.Random(seed + 2))
        self.story_rng = random.Random(seed + 3)

    # -- geometry -------------------------------------------------------------------------------

    def _shapes(self) -> None:
        rng = self.geo_rng
        cx, cy = geo.center_metric()
        self.boundary_m = geo.radial_polygon(
            rng, (cx, cy), radius_x_m=17_500, radius_y_m=15_000, vertices=48, wobble=0.06, jitter=0.015
        )
        town_center = (cx - 600, cy + 400)
        self.town_m = geo.radial_polygon(
            rng, town_center, radius_x_m=2_600, radius_y_m=2_000, vertices=24, wobble=0.07, jitter=0.02
        )
        # Three urban stations around the town centre: north, east-south-east, west-south-west,
        # so their jurisdictions meet inside the town.
        urban_seeds = [
            (
                float(round(town_center[0] + 1_300 * math.cos(math.radians(angle)))),
                float(round(town_center[1] + 1_300 * math.sin(math.radians(angle)))),
            )
            for angle in (90, -30, 210)
        ]
        rural_region = self.boundary_m.buffer(-3_000).difference(self.town_m.buffer(6_000))
        rural_seeds = geo.spread_points(rng, rural_region, len(RURAL_STEMS), existing=urban_seeds)
        # Number rural stations clockwise from north, so codes read around the county.
        rural_seeds.sort(key=lambda p: math.atan2(p[0] - cx, p[1] - cy) % (2 * math.pi))
        self.seeds = urban_seeds + rural_seeds
        self.cells_m = geo.voronoi_partition(self.boundary_m, self.seeds)

    # -- stations, zones, departments -----------------------------------------------------------

    def _stations(self) -> None:
        stems = list(URBAN_STEMS) + list(RURAL_STEMS)
        self.stems = stems
        stations = []
        for i, ((x, y), cell, stem) in enumerate(zip(self.seeds, self.cells_m, stems, strict=True)):
            urban = i < len(URBAN_STEMS)
            lat, lon = geo.point_to_wgs84(x, y)
            place = f"{stem}街道" if urban else f"{stem}镇"
            stations.append(
                SampleStation(
                    code=f"SJ{i + 1:02d}",
                    name=sample(f"{stem}派出所"),
                    address=sample(f"{COUNTY_NAME}{place}{self._street_number(99)}"),
                    duty_phone=self.names.landline(),
                    lat=lat,
                    lon=lon,
                    jurisdiction=geo.geojson(geo.to_wgs84(cell)),
                    urban=urban,
                )
            )
        self.stations = stations
        self.station_index = {s.code: i for i, s in enumerate(stations)}

    def _zones(self) -> None:
        urban_cells = self.cells_m[: len(URBAN_STEMS)]
        zones, self.zones_m = [], {}
        for n, (row, col, piece) in enumerate(geo.grid_split(self.town_m, columns=4, rows=2), start=1):
            overlaps = [piece.intersection(cell).area for cell in urban_cells]
            best = max(range(len(overlaps)), key=lambda i: overlaps[i])
            code = f"WG{n:02d}"
            half = "北" if row == 0 else "南"
            zones.append(
                SampleZone(
                    code=code,
                    name=sample(f"城区{half}{_CN_DIGITS[col]}网格"),
                    station_code=self.stations[best].code,
                    boundary=geo.geojson(geo.to_wgs84(piece)),
                )
            )
            self.zones_m[code] = piece
        covered = {z.station_code for z in zones}
        if covered != {s.code for s in self.stations if s.urban}:
            raise AssertionError(f"every urban station needs a zone, got {sorted(covered)}")
        self.zones = zones

    def _departments(self) -> None:
        self.departments = [
            SampleDepartment(code=code, name=sample(name), kind=kind, phone=self.names.landline())
            for code, name, kind in DEPARTMENTS
        ]

    def _street_number(self, highest: int) -> str:
        return f"{self.attr_rng.choice(ROADS)}{self.attr_rng.randint(1, highest)}号"

    # -- officers ---------------------------------------------------------------------------------

    def _badge(self, kind: str) -> str:
        while True:
            if kind == "police":
                badge = f"{self.attr_rng.randrange(300_000, 400_000):06d}"
            else:
                badge = f"FJ{self.attr_rng.randrange(100_000):05d}"
            if badge not in self._badges:
                self._badges.add(badge)
                return badge

    def _officer(self, kind: str, station_code: str = "", department_code: str = "") -> SampleOfficer:
        return SampleOfficer(
            badge_no=self._badge(kind),
            name=self.names.full_name(),
            kind=kind,
            station_code=station_code,
            department_code=department_code,
            phone=self.names.mobile(),
        )

    def _officers(self) -> None:
        self._badges: set[str] = set()
        officers = []
        for i, station in enumerate(self.stations):
            count = 8 if station.urban else self.attr_rng.choice((4, 5, 6))
            police = round(count * 2 / 3)
            crew = [self._officer("police" if k < police else "auxiliary", station.code) for k in range(count)]
            # The first police officer heads the station (所长).
            self.stations[i] = replace(station, head_badge=crew[0].badge_no)
            officers += crew
        for code, kinds in (
            ("BM01", ("police",)),
            ("BM02", ("police", "police")),
            ("BM06", ("auxiliary",)),
            ("BM08", ("police", "auxiliary")),
        ):
            officers += [self._officer(kind, department_code=code) for kind in kinds]
        self.officers = officers

    # -- schools ----------------------------------------------------------------------------------

    def _school(
        self,
        *,
        level: str,
        name: str,
        area: str,
        kind: str,
        point: tuple[float, float],
        address: str,
        station_code: str,
        zone_code: str = "",
    ) -> SampleSchool:
        rng = self.attr_rng
        self._serial += 1
        low, high = PUPILS[(level, kind)]
        rural = area == "rural"
        boarding = (rural and level in ("junior", "senior")) or level in ("vocational", "special")
        boarding = boarding or (rural and level == "nine_year" and rng.random() < 0.5)
        boarding = boarding or name.startswith("示例县第一中学")
        bus_levels = ("kindergarten", "primary", "nine_year")
        school_bus = level == "special" or (rural and level in bus_levels and rng.random() < 0.55)
        campus, gates = self._campus(level, point)
        contacts = [
            SampleContact(
                name=self.names.full_name(),
                title="园长" if level == "kindergarten" else "分管安全副校长",
                phone=self.names.mobile(),
                is_primary=True,
            )
        ]
        if rng.random() < 0.6:
            title = rng.choice(("安全办主任", "保卫处主任", "保安队长"))
            contacts.append(SampleContact(self.names.full_name(), title, self.names.mobile(), False))
        lat, lon = geo.point_to_wgs84(*point)
        return SampleSchool(
            code=f"{SCHOOL_CODE_PREFIX}{self._serial:04d}",
            name=sample(name),
            level=level,
            area=area,
            boarding=boarding,
            school_bus=school_bus,
            pupils=rng.randint(low, high),
            address=sample(address),
            phone=self.names.landline(),
            lat=lat,
            lon=lon,
            campus=campus,
            gates=gates,
            contacts=tuple(contacts),
            station_code=station_code,
            zone_code=zone_code,
        )

    def _campus(self, level: str, point: tuple[float, float]) -> tuple[dict, tuple[SampleGate, ...]]:
        """A rotated rectangle around the school point and 1-3 gates on its edges (60-150 m out)."""
        rng = self.attr_rng
        low, high = CAMPUS_HALF_M[level]
        half_w, half_h = rng.uniform(low, high), rng.uniform(low, high)
        angle = rng.uniform(-15.0, 15.0)
        outline = geo.rotated_rectangle(point, half_w, half_h, angle)
        if level == "kindergarten" or level == "special":
            count = 1 if rng.random() < 0.7 else 2
        elif level in ("senior", "vocational"):
            count = 3
        else:
            count = rng.choice((1, 2, 2, 3))
        main = "南门" if rng.random() < 0.75 else rng.choice(("东门", "西门", "北门"))
        others = [side for side in _GATE_SIDES if side != main]
        rng.shuffle(others)
        gates = []
        for name in [main, *others[: count - 1]]:
            sx, sy = _GATE_SIDES[name]
            along = rng.uniform(-0.25, 0.25)
            dx = sx * half_w if sx else along * half_w
            dy = sy * half_h if sy else along * half_h
            lat, lon = geo.point_to_wgs84(*geo.local_to_metric(point, dx, dy, angle))
            gates.append(SampleGate(name=name, lat=lat, lon=lon, is_main=name == main))
        return geo.geojson(geo.to_wgs84(outline)), tuple(gates)

    def _place(self, region, taken: list[tuple[float, float]], min_gap_m: float) -> tuple[float, float]:
        for _ in range(2_000):
            p = geo.random_point_in(self.geo_rng, region)
            if all(math.dist(p, q) >= min_gap_m for q in taken):
                taken.append(p)
                return p
        raise AssertionError("could not place a school; loosen the spacing")

    def _schools(self) -> None:
        self._serial = 0
        schools: list[SampleSchool] = []
        taken: list[tuple[float, float]] = list(self.seeds)
        zone_station = {z.code: z.station_code for z in self.zones}
        stem_zones = {
            stem: [self.zones_m[z.code] for z in self.zones if z.station_code == f"SJ{i + 1:02d}"]
            for i, stem in enumerate(URBAN_STEMS)
        }
        all_zones = unary_union([piece.buffer(-150) for piece in self.zones_m.values()])
        for level, name, stem in URBAN_SCHOOLS:
            region = unary_union([z.buffer(-150) for z in stem_zones[stem]]) if stem else all_zones
            point = self._place(region, taken, 450)
            zone_code = next(code for code, piece in self.zones_m.items() if piece.contains(shp.Point(point)))
            station_code = zone_station[zone_code]
            street = self.stems[self.station_index[station_code]]
            address = f"{COUNTY_NAME}{street}街道{self._street_number(199)}"
            schools.append(
                self._school(
                    level=level,
                    name=name,
                    area="urban",
                    kind="urban",
                    point=point,
                    address=address,
                    station_code=station_code,
                    zone_code=zone_code,
                )
            )
        town_margin = self.town_m.buffer(1_500)
        for r, stem in enumerate(RURAL_STEMS):
            index = len(URBAN_STEMS) + r
            station_code = self.stations[index].code
            region = self.cells_m[index].buffer(-600).difference(town_margin)
            near_centre = region.intersection(shp.Point(self.seeds[index]).buffer(2_500))
            plan = [("primary", f"{stem}镇中心小学", "central"), ("kindergarten", f"{stem}镇中心幼儿园", "central")]
            if r < 5:
                plan.append(("junior", f"{stem}镇中学", "central"))
            else:
                plan.append(("nine_year", f"{stem}镇九年制学校", "central"))
            if r == 2:
                plan.append(("senior", "示例县第二中学", "central"))
            if r in (0, 1, 2, 4, 6):
                plan.append(("primary", f"{stem}镇{{village}}小学", "village"))
            if r in (1, 3, 5, 7):
                plan.append(("kindergarten", f"{stem}镇{{village}}幼儿园", "village"))
            for level, name, kind in plan:
                if kind == "village":
                    village = self.names.village()
                    name = name.format(village=village)
                    point = self._place(region, taken, 1_200)
                    address = f"{COUNTY_NAME}{stem}镇{village}村"
                else:
                    point = self._place(near_centre, taken, 400)
                    address = f"{COUNTY_NAME}{stem}镇{self._street_number(99)}"
                schools.append(
                    self._school(
                        level=level,
                        name=name,
                        area="rural",
                        kind=kind,
                        point=point,
                        address=address,
                        station_code=station_code,
                    )
                )
        self.schools = schools

    # -- the 一校一警 / 挂包 story ----------------------------------------------------------------------

    def _story(self) -> None:
        self.story, self.highlights = liaison_story(
            self.story_rng,
            schools=self.schools,
            stations=self.stations,
            officers=self.officers,
            departments=self.departments,
            cells_m=self.cells_m,
        )

    # -- users ------------------------------------------------------------------------------------

    def _users(self) -> None:
        users = []
        officer_badge = self.highlights["sample_officer"][0]
        officer = next(o for o in self.officers if o.badge_no == officer_badge)
        for role in Role:
            username = SAMPLE_USERS[role]
            if role is Role.STATION_OFFICER:
                users.append(SampleUser(username, role.value, officer.name, SAMPLE_MARK, officer_badge=officer_badge))
            elif role is Role.SCHOOL_STAFF:
                users.append(
                    SampleUser(
                        username,
                        role.value,
                        self.names.full_name(),
                        SAMPLE_MARK,
                        school_code=self.highlights["sample_staff_school"][0],
                        staff_title="安全办干事",
                        staff_phone=self.names.mobile(),
                    )
                )
            else:
                users.append(SampleUser(username, role.value, self.names.full_name(), SAMPLE_MARK))
        for school in sorted(self.schools, key=lambda s: s.code):
            contact = school.contacts[0]
            users.append(
                SampleUser(
                    f"{STAFF_USERNAME_PREFIX}{school.code}",
                    Role.SCHOOL_STAFF.value,
                    contact.name,
                    SAMPLE_MARK,
                    school_code=school.code,
                    staff_title=contact.title,
                    staff_phone=contact.phone,
                )
            )
        self.users = users

    def build(self) -> SampleCounty:
        self._shapes()
        self._stations()
        self._zones()
        self._departments()
        self._officers()
        self._schools()
        self._story()
        self._users()
        return SampleCounty(
            name=sample(COUNTY_NAME),
            boundary=geo.geojson(geo.to_wgs84(self.boundary_m)),
            town=geo.geojson(geo.to_wgs84(self.town_m)),
            stations=tuple(self.stations),
            zones=tuple(self.zones),
            departments=tuple(self.departments),
            officers=tuple(self.officers),
            schools=tuple(sorted(self.schools, key=lambda s: s.code)),
            users=tuple(self.users),
            story=tuple(self.story),
            highlights=self.highlights,
        )
