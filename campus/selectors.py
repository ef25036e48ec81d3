"""Reads for the school registry and 一校一警: scoped lists, candidates, coverage."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet

from campus.models import (
    Department,
    DepartmentPairing,
    LiaisonAssignment,
    Officer,
    School,
    SchoolStaff,
    Station,
)
from common.geo import haversine_m


def staff_school_id(user) -> int | None:
    """The one school a school-safety-staff user belongs to (None for other users)."""
    if not user.is_authenticated:
        return None
    cached = getattr(user, "_staff_school_cache", False)
    if cached is not False:
        return cached
    staff = SchoolStaff.objects.filter(user=user).only("school_id").first()
    user._staff_school_cache = staff.school_id if staff else None
    return user._staff_school_cache


def school_list_visible(user) -> QuerySet[School]:
    """Schools the user may see: the registry scope (``campus.scope``): all for police roles, only their
    own for school safety staff."""
    from campus.scope import scope_of  # campus.scope builds on staff_school_id above

    return scope_of(user).filter_schools(School.objects.select_related("responsible_station", "zone"), school=None)


def active_liaisons() -> QuerySet[LiaisonAssignment]:
    return LiaisonAssignment.objects.filter(ended_at__isnull=True).select_related(
        "officer", "officer__station", "school", "school__responsible_station", "station_at_start"
    )


def schools_with_current(qs: QuerySet[School]) -> QuerySet[School]:
    """Prefetch the active liaison and pairing as ``current_liaison`` / ``current_pairing`` lists."""
    return qs.prefetch_related(
        Prefetch(
            "liaison_assignments",
            queryset=LiaisonAssignment.objects.filter(ended_at__isnull=True).select_related(
                "officer", "officer__station"
            ),
            to_attr="current_liaison",
        ),
        Prefetch(
            "department_pairings",
            queryset=DepartmentPairing.objects.filter(ended_at__isnull=True).select_related("department"),
            to_attr="current_pairing",
        ),
    )


def liaison_problem(assignment: LiaisonAssignment) -> str | None:
    """Why an active assignment needs attention, as a code, or None.

    ``officer_inactive``: the officer was deactivated. ``officer_transferred``:
    the officer moved station after being assigned. ``wrong_station``: the
    officer is not from the responsible station and no override was given
    (for instance the school moved or a zone was redrawn).
    """
    officer = assignment.officer
    if not officer.active:
        return "officer_inactive"
    if assignment.station_at_start_id is not None and officer.station_id != assignment.station_at_start_id:
        return "officer_transferred"
    if officer.station_id != assignment.school.responsible_station_id and not assignment.override_reason:
        return "wrong_station"
    return None


NEEDS_REASSIGNMENT = {"officer_inactive", "officer_transferred"}


@dataclass
class Candidate:
    officer: Officer
    load: int
    limit: int
    distance_m: float | None

    @property
    def at_limit(self) -> bool:
        return self.load >= self.limit


def liaison_candidates(*, school: School, limit: int = 5) -> list[Candidate]:
    """Officers proposed for a school: active police of the responsible station, lowest load, then nearest.

    "Nearest" is the distance from the school to the closest school the officer
    already serves, or to their station when they serve none.
    """
    station = school.responsible_station
    if station is None:
        return []
    officers = list(
        Officer.objects.filter(station=station, active=True, kind=Officer.Kind.POLICE).annotate(
            load=Count("liaison_assignments", filter=Q(liaison_assignments__ended_at__isnull=True))
        )
    )
    served: dict[int, list[tuple[float, float]]] = {}
    for a in LiaisonAssignment.objects.filter(officer__in=officers, ended_at__isnull=True).select_related("school"):
        served.setdefault(a.officer_id, []).append((a.school.lat, a.school.lon))
    current = (
        LiaisonAssignment.objects.filter(school=school, ended_at__isnull=True)
        .values_list("officer_id", flat=True)
        .first()
    )
    result = []
    for officer in officers:
        if officer.id == current:
            continue
        points = served.get(officer.id) or ([(station.lat, station.lon)] if station.lat is not None else [])
        distance = min((haversine_m(school.lat, school.lon, la, lo) for la, lo in points), default=None)
        result.append(Candidate(officer, officer.load, station.liaison_limit, distance))
    result.sort(
        key=lambda c: (
            c.at_limit,
            c.load,
            c.distance_m if c.distance_m is not None else float("inf"),
            c.officer.badge_no,
        )
    )
    return result[:limit]


def department_candidates(*, school: School, limit: int = 5) -> list[tuple[Department, int]]:
    """Departments ordered by how few schools they are paired with."""
    current = (
        DepartmentPairing.objects.filter(school=school, ended_at__isnull=True)
        .values_list("department_id", flat=True)
        .first()
    )
    qs = (
        Department.objects.exclude(pk=current)
        .annotate(load=Count("pairings", filter=Q(pairings__ended_at__isnull=True)))
        .order_by("load", "code")
    )
    return [(d, d.load) for d in qs[:limit]]


@dataclass
class StationCoverage:
    station: Station | None
    schools: int = 0
    covered: int = 0
    uncovered: int = 0
    needs_reassignment: int = 0
    contradictions: int = 0
    officers: int = 0
    officers_over_limit: int = 0
    unpaired: int = 0

    @property
    def coverage_pct(self) -> float:
        return round(100.0 * self.covered / self.schools, 1) if self.schools else 100.0


@dataclass
class CoverageReport:
    uncovered: list[School] = field(default_factory=list)
    needs_reassignment: list[tuple[LiaisonAssignment, str]] = field(default_factory=list)
    contradictions: list[tuple[LiaisonAssignment, str]] = field(default_factory=list)
    overridden: list[LiaisonAssignment] = field(default_factory=list)
    over_limit: list[tuple[Officer, int, int]] = field(default_factory=list)
    unpaired: list[School] = field(default_factory=list)
    outside: list[School] = field(default_factory=list)
    stations: list[StationCoverage] = field(default_factory=list)
    county: StationCoverage = field(default_factory=lambda: StationCoverage(None))


def coverage_report(*, station: Station | None = None) -> CoverageReport:
    """Schools without a liaison, assignments needing reassignment or contradicting jurisdiction,
    officers over their limit, schools without a paired department, per station and county totals.

    Only active schools count. ``station`` narrows every list to that station.
    """
    schools = list(
        schools_with_current(School.objects.filter(active=True).select_related("responsible_station", "zone"))
    )
    if station is not None:
        schools = [s for s in schools if s.responsible_station_id == station.id]
    stations = list(Station.objects.all()) if station is None else [station]
    rows = {st.id: StationCoverage(st) for st in stations}
    unassigned_row = StationCoverage(None)
    report = CoverageReport()
    for school in schools:
        row = rows.get(school.responsible_station_id, unassigned_row)
        row.schools += 1
        if school.responsible_station_id is None:
            report.outside.append(school)
        liaison = school.current_liaison[0] if school.current_liaison else None
        if not school.current_pairing:
            report.unpaired.append(school)
            row.unpaired += 1
        if liaison is None:
            report.uncovered.append(school)
            row.uncovered += 1
            continue
        liaison.school = school
        problem = liaison_problem(liaison)
        if problem in NEEDS_REASSIGNMENT:
            report.needs_reassignment.append((liaison, problem))
            row.needs_reassignment += 1
        else:
            row.covered += 1
        if problem == "wrong_station":
            report.contradictions.append((liaison, problem))
            row.contradictions += 1
        elif liaison.override_reason:
            report.overridden.append(liaison)

    officers = (
        Officer.objects.filter(station__in=stations, active=True)
        .select_related("station")
        .annotate(load=Count("liaison_assignments", filter=Q(liaison_assignments__ended_at__isnull=True)))
    )
    for officer in officers:
        row = rows[officer.station_id]
        if officer.kind == Officer.Kind.POLICE:
            row.officers += 1
        limit = officer.station.liaison_limit
        if officer.load > limit:
            report.over_limit.append((officer, officer.load, limit))
            row.officers_over_limit += 1

    report.stations = list(rows.values())
    if unassigned_row.schools:
        report.stations.append(unassigned_row)
    county = StationCoverage(None)
    for row in report.stations:
        for name in (
            "schools",
            "covered",
            "uncovered",
            "needs_reassignment",
            "contradictions",
            "officers",
            "officers_over_limit",
            "unpaired",
        ):
            setattr(county, name, getattr(county, name) + getattr(row, name))
    report.county = county
    return report


def default_liaison_limit() -> int:
    return settings.LIAISON_MAX_SCHOOLS_PER_OFFICER
