"""The sample county as plain data: what the generator produces and the loader and file writer consume.

Coordinates are WGS-84 degrees; geometries are GeoJSON dicts (lon, lat).
The ``story`` is the list of 一校一警 / 挂包 / personnel steps the loader runs
through ``campus.services``, in order; ``final_*`` replay it to say what holds
at the end (the state the sample import files describe).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class SampleStation:
    code: str
    name: str
    address: str
    duty_phone: str
    lat: float
    lon: float
    jurisdiction: dict[str, Any]
    urban: bool
    head_badge: str = ""


@dataclass(frozen=True)
class SampleZone:
    code: str
    name: str
    station_code: str
    boundary: dict[str, Any]


@dataclass(frozen=True)
class SampleDepartment:
    code: str
    name: str
    kind: str
    phone: str


@dataclass(frozen=True)
class SampleOfficer:
    badge_no: str
    name: str
    kind: str  # "police" or "auxiliary"
    station_code: str
    department_code: str
    phone: str
    active: bool = True


@dataclass(frozen=True)
class SampleGate:
    name: str
    lat: float
    lon: float
    is_main: bool


@dataclass(frozen=True)
class SampleContact:
    name: str
    title: str
    phone: str
    is_primary: bool


@dataclass(frozen=True)
class SampleSchool:
    code: str
    name: str
    level: str
    area: str  # "urban" or "rural"
    boarding: bool
    school_bus: bool
    pupils: int
    address: str
    phone: str
    lat: float
    lon: float
    campus: dict[str, Any]
    gates: tuple[SampleGate, ...]
    contacts: tuple[SampleContact, ...]
    station_code: str  # the responsible station the generator intends (zone for urban, jurisdiction for rural)
    zone_code: str = ""


@dataclass(frozen=True)
class SampleUser:
    username: str
    role: str  # a common.roles.Role value
    first_name: str
    last_name: str
    officer_badge: str = ""
    school_code: str = ""
    staff_title: str = ""
    staff_phone: str = ""


@dataclass(frozen=True)
class LiaisonStep:
    school_code: str
    badge_no: str
    reason: str
    override_reason: str = ""


@dataclass(frozen=True)
class PairingStep:
    school_code: str
    department_code: str
    reason: str


@dataclass(frozen=True)
class DeactivateStep:
    badge_no: str
    reason: str


@dataclass(frozen=True)
class TransferStep:
    badge_no: str
    station_code: str
    reason: str


Step = LiaisonStep | PairingStep | DeactivateStep | TransferStep


@dataclass(frozen=True)
class FinalLiaison:
    school_code: str
    badge_no: str
    reason: str
    override_reason: str
    problem: str  # "" when the assignment holds; else "officer_inactive" or "officer_transferred"


@dataclass(frozen=True)
class SampleCounty:
    name: str
    boundary: dict[str, Any]
    town: dict[str, Any]
    stations: tuple[SampleStation, ...]
    zones: tuple[SampleZone, ...]
    departments: tuple[SampleDepartment, ...]
    officers: tuple[SampleOfficer, ...]
    schools: tuple[SampleSchool, ...]
    users: tuple[SampleUser, ...]
    story: tuple[Step, ...]
    # The schools and officers that demonstrate each deliberate gap, for the report and the tests.
    highlights: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def final_officers(self) -> tuple[SampleOfficer, ...]:
        """The officers after the story's deactivations and transfers."""
        by_badge = {o.badge_no: o for o in self.officers}
        for step in self.story:
            if isinstance(step, DeactivateStep):
                by_badge[step.badge_no] = replace(by_badge[step.badge_no], active=False)
            elif isinstance(step, TransferStep):
                by_badge[step.badge_no] = replace(by_badge[step.badge_no], station_code=step.station_code)
        return tuple(by_badge[o.badge_no] for o in self.officers)

    def final_liaisons(self) -> tuple[FinalLiaison, ...]:
        """Every school's open assignment at the end of the story, in school-code order.

        ``problem`` mirrors ``campus.selectors.liaison_problem`` for the two
        cases the story creates: a deactivated or a transferred officer.
        """
        officers = {o.badge_no: o for o in self.officers}
        current: dict[str, tuple[LiaisonStep, str]] = {}  # school -> (step, officer's station when assigned)
        for step in self.story:
            if isinstance(step, LiaisonStep):
                current[step.school_code] = (step, officers[step.badge_no].station_code)
            elif isinstance(step, DeactivateStep):
                officers[step.badge_no] = replace(officers[step.badge_no], active=False)
            elif isinstance(step, TransferStep):
                officers[step.badge_no] = replace(officers[step.badge_no], station_code=step.station_code)
        result = []
        for code in sorted(current):
            step, station_at_start = current[code]
            officer = officers[step.badge_no]
            problem = ""
            if not officer.active:
                problem = "officer_inactive"
            elif officer.station_code != station_at_start:
                problem = "officer_transferred"
            result.append(FinalLiaison(code, step.badge_no, step.reason, step.override_reason, problem))
        return tuple(result)

    def final_pairings(self) -> dict[str, str]:
        """school code -> department code of the open pairing at the end of the story."""
        pairs: dict[str, str] = {}
        for step in self.story:
            if isinstance(step, PairingStep):
                pairs[step.school_code] = step.department_code
        return pairs
