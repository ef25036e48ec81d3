"""Load the sample county into the database, make sure its users exist, or remove it again.

The registry rows (stations, zones, departments, officers, schools, gates,
contacts, users) go in with ``bulk_create``; the 一校一警 and 挂包 story then
runs through ``campus.services`` as the sample administrator, so the
assignments obey the same rules as the pages and the audit log shows who did
what. Only rows marked ``is_sample`` (and the sample user accounts) are ever
removed; the audit log is append-only and is never touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError

from campus import services
from campus.models import (
    Department,
    DepartmentPairing,
    Gate,
    LiaisonAssignment,
    Officer,
    SafetyContact,
    School,
    SchoolStaff,
    Station,
    Zone,
)
from campus.sample.county import (
    DeactivateStep,
    LiaisonStep,
    PairingStep,
    SampleCounty,
    SampleUser,
    TransferStep,
)
from campus.sample.generator import generate_county
from campus.selectors import coverage_report
from campus.spatial import schools_resolve_stations
from common.audit import audit_record
from common.errors import DomainError
from common.models import AuditLogEntry
from common.roles import Role
from common.sample_users import SAMPLE_PASSWORD, SAMPLE_USERS

SAMPLE_MODELS = (Station, Zone, Department, Officer, School)


class SampleDataError(DomainError):
    code = "sample_data"


@dataclass
class LoadSummary:
    loaded: bool  # False when a sample county was already there and was kept
    stations: int = 0
    zones: int = 0
    departments: int = 0
    officers: int = 0
    schools: int = 0
    gates: int = 0
    users_created: int = 0
    liaisons: int = 0
    pairings: int = 0
    uncovered: int = 0
    to_reassign: int = 0
    overrides: int = 0
    unpaired: int = 0
    removed_schools: int = 0
    misresolved: tuple[str, ...] = ()  # sample schools the spatial join gave another station than intended

    def line(self) -> str:
        if not self.loaded:
            return (
                f"Sample county already loaded ({self.stations} stations, {self.schools} schools); "
                f"{self.users_created} missing sample users created. Use --reset to reload it."
            )
        text = (
            f"Sample county loaded: {self.stations} stations, {self.zones} zones, {self.departments} departments, "
            f"{self.officers} officers, {self.schools} schools, {self.gates} gates; {self.liaisons} liaisons "
            f"({self.uncovered} schools without one, {self.to_reassign} to reassign, {self.overrides} override), "
            f"{self.pairings} department pairings ({self.unpaired} schools unpaired); "
            f"{self.users_created} users created"
        )
        if self.removed_schools:
            text += f" (replaced {self.removed_schools} sample schools)"
        if self.misresolved:
            text += f"; WARNING: schools resolved to an unexpected station: {', '.join(self.misresolved)}"
        return text + "."


def sample_county_exists() -> bool:
    return any(model.objects.filter(is_sample=True).exists() for model in SAMPLE_MODELS)


def _coverage(summary: LoadSummary) -> LoadSummary:
    """Fill in the coverage figures of the sample schools from the coverage report."""
    report = coverage_report()
    summary.uncovered = sum(1 for s in report.uncovered if s.is_sample)
    summary.to_reassign = sum(1 for a, _ in report.needs_reassignment if a.school.is_sample)
    summary.overrides = sum(1 for a in report.overridden if a.school.is_sample)
    summary.unpaired = sum(1 for s in report.unpaired if s.is_sample)
    return summary


def _counts() -> LoadSummary:
    return LoadSummary(
        loaded=False,
        stations=Station.objects.filter(is_sample=True).count(),
        zones=Zone.objects.filter(is_sample=True).count(),
        departments=Department.objects.filter(is_sample=True).count(),
        officers=Officer.objects.filter(is_sample=True).count(),
        schools=School.objects.filter(is_sample=True).count(),
        gates=Gate.objects.filter(school__is_sample=True).count(),
        liaisons=LiaisonAssignment.objects.filter(school__is_sample=True, ended_at__isnull=True).count(),
        pairings=DepartmentPairing.objects.filter(school__is_sample=True, ended_at__isnull=True).count(),
    )


@transaction.atomic
def sample_county_load(*, county: SampleCounty | None = None) -> LoadSummary:
    """Load the sample county unless one is already there; either way make sure the sample users exist."""
    county = county or generate_county()
    if sample_county_exists():
        summary = _counts()
        summary.users_created = sample_users_sync(county=county, refresh=False)
        return summary
    _check_conflicts(county)
    users_created = sample_users_sync(county=county, refresh=True, link=False)
    admin = get_user_model().objects.get(username=SAMPLE_USERS[Role.BUREAU_ADMIN])

    departments = Department.objects.bulk_create(
        _cleaned(Department(code=d.code, name=d.name, kind=d.kind, phone=d.phone, is_sample=True))
        for d in county.departments
    )
    department_ids = {d.code: d.pk for d in departments}
    stations = Station.objects.bulk_create(
        _cleaned(
            Station(
                code=s.code,
                name=s.name,
                address=s.address,
                duty_phone=s.duty_phone,
                lat=s.lat,
                lon=s.lon,
                jurisdiction=s.jurisdiction,
                is_sample=True,
            ),
            exclude=["head"],
        )
        for s in county.stations
    )
    station_ids = {s.code: s.pk for s in stations}
    zones = Zone.objects.bulk_create(
        _cleaned(
            Zone(code=z.code, name=z.name, station_id=station_ids[z.station_code], boundary=z.boundary, is_sample=True),
            exclude=["station"],
        )
        for z in county.zones
    )
    officers = Officer.objects.bulk_create(
        _cleaned(
            Officer(
                badge_no=o.badge_no,
                name=o.name,
                kind=o.kind,
                station_id=station_ids.get(o.station_code),
                department_id=department_ids.get(o.department_code),
                phone=o.phone,
                is_sample=True,
            ),
            exclude=["station", "department", "user"],
        )
        for o in county.officers
    )
    officer_ids = {o.badge_no: o.pk for o in officers}
    for station, spec in zip(stations, county.stations, strict=True):
        station.head_id = officer_ids[spec.head_badge]
    Station.objects.bulk_update(stations, ["head"])

    schools = [
        _cleaned(
            School(
                code=s.code,
                name=s.name,
                level=s.level,
                area=s.area,
                boarding=s.boarding,
                school_bus=s.school_bus,
                pupils=s.pupils,
                address=s.address,
                phone=s.phone,
                lat=s.lat,
                lon=s.lon,
                campus=s.campus,
                is_sample=True,
            ),
            exclude=["zone", "responsible_station"],
        )
        for s in county.schools
    ]
    schools_resolve_stations(schools)
    School.objects.bulk_create(schools)
    expected = {s.code: station_ids[s.station_code] for s in county.schools}
    misresolved = tuple(s.code for s in schools if s.responsible_station_id != expected[s.code])
    gates = Gate.objects.bulk_create(
        _cleaned(Gate(school=school, name=g.name, is_main=g.is_main, lat=g.lat, lon=g.lon), exclude=["school"])
        for school, spec in zip(schools, county.schools, strict=True)
        for g in spec.gates
    )
    SafetyContact.objects.bulk_create(
        _cleaned(
            SafetyContact(school=school, name=c.name, title=c.title, phone=c.phone, is_primary=c.is_primary),
            exclude=["school"],
        )
        for school, spec in zip(schools, county.schools, strict=True)
        for c in spec.contacts
    )
    _users_link(county.users, get_user_model().objects.filter(username__in=[u.username for u in county.users]))
    # New jurisdictions may take over schools that are not sample data; re-resolve them as
    # services.station_save would have done (each change is audited).
    services.schools_recompute_responsibility(actor=admin, reason="sample county loaded")
    _story_run(county, admin=admin, schools=schools, officers=officers, stations=stations, departments=departments)

    summary = LoadSummary(
        loaded=True,
        stations=len(stations),
        zones=len(zones),
        departments=len(departments),
        officers=len(officers),
        schools=len(schools),
        gates=len(gates),
        users_created=users_created,
        liaisons=LiaisonAssignment.objects.filter(school__is_sample=True, ended_at__isnull=True).count(),
        pairings=DepartmentPairing.objects.filter(school__is_sample=True, ended_at__isnull=True).count(),
        misresolved=misresolved,
    )
    _coverage(summary)
    audit_record(
        actor=admin,
        action="sample.load",
        object_type="campus.sample",
        object_repr=county.name,
        after={"stations": summary.stations, "schools": summary.schools, "officers": summary.officers},
        reason="虚构的样例数据",
    )
    return summary


@transaction.atomic
def sample_county_reset(*, county: SampleCounty | None = None) -> LoadSummary:
    """Remove the sample county (only ``is_sample`` rows and sample users) and load it afresh."""
    county = county or generate_county()
    removed = sample_county_delete(county=county)
    summary = sample_county_load(county=county)
    summary.removed_schools = removed
    return summary


def _cleaned(obj, *, exclude: list[str] | None = None):
    """Validate a model instance before bulk_create (foreign keys set by id are excluded: no queries)."""
    obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    return obj


def _check_conflicts(county: SampleCounty) -> None:
    """Refuse to load when non-sample rows already use a sample code (nothing is overwritten)."""
    clashes = []
    for model, field, values in (
        (Station, "code", [s.code for s in county.stations]),
        (Zone, "code", [z.code for z in county.zones]),
        (Department, "code", [d.code for d in county.departments]),
        (Officer, "badge_no", [o.badge_no for o in county.officers]),
        (School, "code", [s.code for s in county.schools]),
    ):
        taken = model.objects.filter(**{f"{field}__in": values}).values_list(field, flat=True)
        clashes += [f"{model._meta.model_name} {value}" for value in taken]
    if clashes:
        raise SampleDataError(
            "Non-sample records already use codes of the sample county: " + ", ".join(sorted(clashes)[:10]),
            details=clashes,
        )


def _story_run(county: SampleCounty, *, admin, schools, officers, stations, departments) -> None:
    """Run the assignment story through the services, acting as the sample administrator."""
    school_by_code = {s.code: s for s in schools}
    officer_by_badge = {o.badge_no: o for o in officers}
    station_by_code = {s.code: s for s in stations}
    department_by_code = {d.code: d for d in departments}
    for step in county.story:
        if isinstance(step, LiaisonStep):
            services.liaison_assign(
                school=school_by_code[step.school_code],
                officer=officer_by_badge[step.badge_no],
                actor=admin,
                reason=step.reason,
                override_reason=step.override_reason,
            )
        elif isinstance(step, PairingStep):
            services.department_pair(
                school=school_by_code[step.school_code],
                department=department_by_code[step.department_code],
                actor=admin,
                reason=step.reason,
            )
        elif isinstance(step, DeactivateStep):
            services.officer_deactivate(officer=officer_by_badge[step.badge_no], actor=admin, reason=step.reason)
        elif isinstance(step, TransferStep):
            services.officer_transfer(
                officer=officer_by_badge[step.badge_no],
                station=station_by_code[step.station_code],
                actor=admin,
                reason=step.reason,
            )


# -- users ------------------------------------------------------------------------------------------


def sample_usernames(county: SampleCounty) -> list[str]:
    return [u.username for u in county.users]


def sample_users_sync(*, county: SampleCounty, refresh: bool, link: bool = True) -> int:
    """Create the missing sample users; with ``refresh`` also reset the existing ones. Returns how many were created.

    Every user gets the role of its spec (exactly one group) and SAMPLE_PASSWORD.
    ``link`` also links officers and schools (which must exist by then).
    """
    User = get_user_model()
    specs = {u.username: u for u in county.users}
    existing = {u.username: u for u in User.objects.filter(username__in=specs)}
    missing = [spec for spec in county.users if spec.username not in existing]
    if not missing and not (refresh and existing):
        return 0
    password = make_password(SAMPLE_PASSWORD)  # hashed once: 66 hashes would take seconds
    admin_name = SAMPLE_USERS[Role.BUREAU_ADMIN]
    new = [
        User(
            username=spec.username,
            first_name=spec.first_name,
            last_name=spec.last_name,
            password=password,
            is_staff=spec.username == admin_name,
            is_superuser=spec.username == admin_name,
        )
        for spec in missing
    ]
    User.objects.bulk_create(new)
    targets = list(new)
    if refresh and existing:
        for user in existing.values():
            spec = specs[user.username]
            user.first_name, user.last_name, user.password = spec.first_name, spec.last_name, password
            user.is_staff = user.is_superuser = user.username == admin_name
            user.is_active = True
        User.objects.bulk_update(
            existing.values(), ["first_name", "last_name", "password", "is_staff", "is_superuser", "is_active"]
        )
        User.groups.through.objects.filter(user__in=existing.values()).delete()
        targets += list(existing.values())
    groups = {g.name: g for g in Group.objects.filter(name__in=[r.value for r in Role])}
    User.groups.through.objects.bulk_create(
        User.groups.through(user_id=user.pk, group_id=groups[specs[user.username].role].pk) for user in targets
    )
    if link:
        _users_link(county.users, targets)
    return len(new)


def _users_link(specs: Iterable[SampleUser], users) -> None:
    """Link sample users to their school (SchoolStaff) and officer, where those exist and are free."""
    spec_by_name = {s.username: s for s in specs}
    users = [u for u in users if u.username in spec_by_name]
    codes = {spec_by_name[u.username].school_code for u in users} - {""}
    schools = {s.code: s for s in School.objects.filter(is_sample=True, code__in=codes)}
    linked = set(SchoolStaff.objects.filter(user__in=users).values_list("user_id", flat=True))
    SchoolStaff.objects.bulk_create(
        SchoolStaff(
            user=user,
            school=schools[spec.school_code],
            title=spec.staff_title,
            phone=spec.staff_phone,
        )
        for user in users
        if (spec := spec_by_name[user.username]).school_code in schools and user.pk not in linked
    )
    for user in users:
        badge = spec_by_name[user.username].officer_badge
        if badge and not Officer.objects.filter(user=user).exists():
            Officer.objects.filter(is_sample=True, badge_no=badge, user__isnull=True).update(user=user)


# -- removal ----------------------------------------------------------------------------------------


@transaction.atomic
def sample_county_delete(*, county: SampleCounty | None = None) -> int:
    """Delete every ``is_sample`` row and the sample users; return how many sample schools went.

    Sample users who appear in the audit log as actors (the sample administrator,
    who ran the story) are kept: deleting them would rewrite audit entries,
    which the database refuses. They are refreshed when the county is loaded.
    Non-sample rows that depend on sample rows (an officer of a sample station,
    a liaison who is a sample officer...) stop the removal with an error
    naming them, and nothing is deleted.
    """
    county = county or generate_county()
    User = get_user_model()
    users = User.objects.filter(username__in=sample_usernames(county))
    blockers = [
        f"station {s.code} (head {s.head})"
        for s in Station.objects.filter(is_sample=False, head__is_sample=True).select_related("head")
    ]
    if blockers:
        raise SampleDataError("Non-sample records refer to sample data: " + ", ".join(blockers[:10]), details=blockers)
    try:
        SchoolStaff.objects.filter(user__in=users).delete()
        Officer.objects.filter(is_sample=True).update(user=None)
        _, per_model = School.objects.filter(is_sample=True).delete()
        school_count = per_model.get(School._meta.label, 0)
        Station.objects.filter(is_sample=True).update(head=None)
        Officer.objects.filter(is_sample=True).delete()
        Zone.objects.filter(is_sample=True).delete()
        Department.objects.filter(is_sample=True).delete()
        Station.objects.filter(is_sample=True).delete()
    except (ProtectedError, RestrictedError) as exc:
        found = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
        blocked = sorted({f"{obj._meta.verbose_name} {obj}" for obj in found})
        raise SampleDataError(
            "Non-sample records refer to sample data: " + ", ".join(blocked[:10]), details=blocked
        ) from None
    acted = AuditLogEntry.objects.filter(actor__in=users).values_list("actor_id", flat=True).distinct()
    users.exclude(pk__in=list(acted)).delete()
    admin = User.objects.filter(username=SAMPLE_USERS[Role.BUREAU_ADMIN]).first()
    audit_record(
        actor=admin,
        action="sample.reset",
        object_type="campus.sample",
        object_repr=county.name,
        before={"schools": school_count},
        reason="虚构的样例数据，重新加载前删除",
    )
    return school_count
