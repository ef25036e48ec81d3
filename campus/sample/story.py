"""The sample county's story of 一校一警 and 挂包: the steps the loader replays through ``campus.services``
(departments pair with schools, station police become schools' liaison officers, one cross-border override,
an officer transferred to the town and one retired) with deliberate gaps for the coverage report, and the
``highlights`` naming the records each part of the story left behind (``SampleCounty.highlights``)."""

from __future__ import annotations

import random
from collections.abc import Sequence

from shapely import geometry as shp
from shapely.geometry.base import BaseGeometry

from campus.sample import geometry as geo
from campus.sample.county import (
    DeactivateStep,
    LiaisonStep,
    PairingStep,
    SampleDepartment,
    SampleOfficer,
    SampleSchool,
    SampleStation,
    Step,
    TransferStep,
)

LIAISON_LIMIT = 6  # planning cap, the county default; the story ends with at most 3 schools per officer


def liaison_story(
    rng: random.Random,
    *,
    schools: Sequence[SampleSchool],
    stations: Sequence[SampleStation],
    officers: Sequence[SampleOfficer],
    departments: Sequence[SampleDepartment],
    cells_m: Sequence[BaseGeometry],
) -> tuple[list[Step], dict[str, tuple[str, ...]]]:
    """The story's steps in order and its highlights. ``cells_m`` are the stations' jurisdictions in
    EPSG:32650 metres, in the order of ``stations``; ``rng`` is the generator's story stream."""
    station_index = {s.code: i for i, s in enumerate(stations)}
    schools = sorted(schools, key=lambda s: s.code)
    heads = {s.head_badge for s in stations}
    police_of: dict[str, list[SampleOfficer]] = {}
    for officer in officers:
        if officer.kind == "police" and officer.station_code:
            police_of.setdefault(officer.station_code, []).append(officer)
    load: dict[str, list[str]] = {o.badge_no: [] for o in officers}
    steps: list[Step] = []
    liaison_reason = "一校一警初始指定（样例）"

    # 挂包: departments take schools in turn; a few schools are left unpaired.
    unpaired = sorted(rng.sample([s.code for s in schools], 5))
    paired = [s for s in schools if s.code not in unpaired]
    for i, school in enumerate(paired):
        department = departments[i % len(departments)]
        steps.append(PairingStep(school.code, department.code, "科室队挂包（样例）"))

    # Gaps: a new urban kindergarten and two rural village schools have no liaison yet.
    urban_kg = [s.code for s in schools if s.area == "urban" and s.level == "kindergarten"]
    village = [s.code for s in schools if s.area == "rural" and s.pupils < 330 and "中心" not in s.name]
    uncovered = [rng.choice(urban_kg), *rng.sample(village, 2)]

    # The override: the rural school nearest another station's jurisdiction is looked after by an
    # officer of that neighbouring station, approved by an administrator.
    def border_distance(school: SampleSchool) -> tuple[float, str]:
        point = shp.Point(geo.point_to_metric(school.lat, school.lon))
        own = station_index[school.station_code]
        return min(
            (cell.distance(point), stations[j].code)
            for j, cell in enumerate(cells_m)
            if j != own and not stations[j].urban
        )

    rural = [s for s in schools if s.area == "rural" and s.code not in uncovered]
    override_school = min(rural, key=lambda s: (border_distance(s)[0], s.code))
    neighbour_code = border_distance(override_school)[1]

    def pick(station_code: str, *, exclude: frozenset[str] = frozenset()) -> SampleOfficer:
        pool = [o for o in police_of[station_code] if o.badge_no not in heads and o.badge_no not in exclude]
        pool = [o for o in pool if len(load[o.badge_no]) < LIAISON_LIMIT] or [
            o for o in police_of[station_code] if len(load[o.badge_no]) < LIAISON_LIMIT
        ]
        return min(pool, key=lambda o: (len(load[o.badge_no]), o.badge_no))

    def assign(school_code: str, officer: SampleOfficer, reason: str, override: str = "") -> None:
        for badges in load.values():
            if school_code in badges:
                badges.remove(school_code)
        load[officer.badge_no].append(school_code)
        steps.append(LiaisonStep(school_code, officer.badge_no, reason, override))

    for school in schools:
        if school.code in uncovered or school.code == override_school.code:
            continue
        assign(school.code, pick(school.station_code), liaison_reason)
    neighbour = stations[station_index[neighbour_code]]
    own = stations[station_index[override_school.station_code]]
    override_officer = pick(neighbour_code)
    assign(
        override_school.code,
        override_officer,
        liaison_reason,
        f"该校位于{own.name}与{neighbour.name}辖区交界处，经局领导批准暂由{neighbour.name}民警联系（样例）",
    )

    # The sample officer: liaison of a primary school (the sample staff's school) and 2-3 schools in all.
    staff_school, sample_officer = next(
        (s, o)
        for s in schools
        if s.area == "urban" and s.level == "primary"
        for o in officers
        if s.code in load[o.badge_no] and 2 <= len(load[o.badge_no]) <= 3
    )

    busy = {override_officer.badge_no, sample_officer.badge_no}
    candidates = [
        o
        for o in officers
        if o.kind == "police"
        and o.station_code
        and not stations[station_index[o.station_code]].urban
        and o.badge_no not in heads | busy
        and len(load[o.badge_no]) == 2
        and override_school.code not in load[o.badge_no]
    ]
    # A transfer: the officer moves to the town; one of their schools is already reassigned.
    transferred = rng.choice(candidates)
    steps.append(TransferStep(transferred.badge_no, "SJ01", "工作需要，调入城关派出所（样例）"))
    moved_school, pending_school = sorted(load[transferred.badge_no])
    successor = pick(transferred.station_code, exclude=frozenset({transferred.badge_no}))
    assign(moved_school, successor, "原联系民警调离，重新指定（样例）")
    # A deactivation: the officer retires and their schools wait for a new liaison.
    deactivated = rng.choice(
        [
            o
            for o in candidates
            if o.station_code != transferred.station_code
            and o.badge_no != successor.badge_no
            and len(load[o.badge_no]) == 2
        ]
    )
    steps.append(DeactivateStep(deactivated.badge_no, "民警退休（样例）"))

    highlights = {
        "uncovered": tuple(sorted(uncovered)),
        "unpaired": tuple(unpaired),
        "override_school": (override_school.code,),
        "override_officer": (override_officer.badge_no,),
        "transferred_officer": (transferred.badge_no,),
        "reassigned_after_transfer": (moved_school,),
        "pending_after_transfer": (pending_school,),
        "deactivated_officer": (deactivated.badge_no,),
        "pending_after_deactivation": tuple(sorted(load[deactivated.badge_no])),
        "sample_officer": (sample_officer.badge_no,),
        "sample_officer_schools": tuple(sorted(load[sample_officer.badge_no])),
        "sample_staff_school": (staff_school.code,),
    }
    return steps, highlights
