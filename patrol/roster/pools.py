"""How the roster solver cuts a problem into independent parts: pools, and lanes of pools.

A pool is each station's police and auxiliary officers with the shifts of the schools the station is
responsible for, or each school's guards and volunteers with that school's shifts; pools share no person,
so they can be solved apart. Small pools are bundled into *lanes* of about ``LANE_VARIABLES`` variables a
week, so that a county of many small schools is a handful of CP-SAT models, not hundreds.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from patrol.roster.problem import SCHOOL_ROLES, STATION_ROLES, Problem, Shift, Staff

# Bundle pools into one lane until a week of it has about this many variables.
LANE_VARIABLES = 1000


@dataclass
class Pool:
    key: str
    roles: tuple[str, ...]
    staff: list[Staff]
    shifts_by_week: dict[dt.date, list[Shift]] = field(default_factory=lambda: defaultdict(list))
    estimate: int = 0  # variables over the term


@dataclass
class Lane:
    pools: list[Pool]
    estimate: int = 0


def pool_key(role: str, school_id: int | None, station_id: int | None) -> str:
    """The pool a ``role`` place at a school (of ``station_id``) belongs to."""
    return f"school:{school_id}" if role in SCHOOL_ROLES else f"station:{station_id}"


def piece_key(pool: str, week: dt.date) -> str:
    """A pool's week: what ``patrol.roster.incremental`` fingerprints and re-plans."""
    return f"{pool}@{week.isoformat()}"


def pools_build(problem: Problem) -> list[Pool]:
    pools: dict[str, Pool] = {}
    for shift in problem.shifts:
        for role in shift.requirements:
            key = pool_key(role, shift.school_id, shift.station_id)
            if role in SCHOOL_ROLES:
                roles, place = SCHOOL_ROLES, shift.school_id
            else:
                roles, place = STATION_ROLES, shift.station_id
            pool = pools.get(key)
            if pool is None:
                if place is None:
                    members: list[Staff] = []
                elif roles == SCHOOL_ROLES:
                    members = [p for p in problem.staff if p.role in SCHOOL_ROLES and p.school_id == place]
                else:
                    members = [p for p in problem.staff if p.role in STATION_ROLES and p.station_id == place]
                pool = pools[key] = Pool(key=key, roles=roles, staff=members)
            week = pool.shifts_by_week[shift.week]
            if not week or week[-1].id != shift.id:
                week.append(shift)
            pool.estimate += len(problem.candidates(shift, role)) * shift.requirements[role]
    return list(pools.values())


def lanes_build(pools: list[Pool], weeks: int) -> list[Lane]:
    lanes: list[Lane] = []
    current = Lane(pools=[])
    per_week = max(weeks, 1)
    for pool in sorted(pools, key=lambda p: p.key):
        if current.pools and (current.estimate + pool.estimate) / per_week > LANE_VARIABLES:
            lanes.append(current)
            current = Lane(pools=[])
        current.pools.append(pool)
        current.estimate += pool.estimate
    if current.pools:
        lanes.append(current)
    return lanes
