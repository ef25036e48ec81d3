"""The fictitious sample county: a deterministic generator, a loader with deliberate gaps, sample files.

The county is loaded once for the module (loading takes about a second) and
removed again afterwards, audit entries included, so other modules see an
empty database. Tests that change data run inside their own rolled-back
transaction on top of it.
"""

from __future__ import annotations

import io
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest
import shapely
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from shapely import geometry as shp

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
from campus.sample import generate_county
from campus.sample import geometry as sample_geo
from campus.sample.files import FILE_NAMES, sample_files_write
from campus.sample.loader import sample_county_delete, sample_usernames
from campus.selectors import coverage_report
from campus.spatial import resolve_points
from common.geo import haversine_m, polygon_from_geojson
from common.models import AuditLogEntry
from common.roles import Role, roles_of
from common.sample_users import SAMPLE_PASSWORD, SAMPLE_USERS
from tests.factories import SchoolFactory, StationFactory

SAMPLES_DIR = Path(settings.BASE_DIR) / "samples"
ALL_LEVELS = set(School.Level.values)


@pytest.fixture(scope="module")
def county():
    return generate_county()


@pytest.fixture(scope="module")
def load_output(django_db_setup, django_db_blocker, county):
    """Load the sample county once for the module; remove it and its audit entries afterwards."""
    with django_db_blocker.unblock():
        last_audit_id = AuditLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        out = io.StringIO()
        call_command("load_sample_county", stdout=out)
        yield out.getvalue()
        with transaction.atomic():
            sample_county_delete(county=county)
            # Purging the audit log is allowed only by the test settings (so pytest can flush).
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM common_auditlogentry WHERE id > %s", [last_audit_id])
            get_user_model().objects.filter(username__in=sample_usernames(county)).delete()


@pytest.fixture
def loaded(load_output, db):
    return load_output


@contextmanager
def audit_log_append_only():
    """Switch the audit log's append-only triggers back on, as in production."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        raw = connection.connection
        raw.create_function("audit_purge_allowed", 0, lambda: 0, deterministic=False)
        try:
            yield
        finally:
            raw.create_function("audit_purge_allowed", 0, lambda: 1, deterministic=False)
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET schoolsafe.audit_purge = 'off'")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET schoolsafe.audit_purge = 'on'")
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        yield


def row_counts() -> dict[str, int]:
    models = (Station, Zone, Department, Officer, School, Gate, SafetyContact, SchoolStaff)
    counts = {m.__name__: m.objects.count() for m in models}
    counts["LiaisonAssignment"] = LiaisonAssignment.objects.count()
    counts["DepartmentPairing"] = DepartmentPairing.objects.count()
    counts["User"] = get_user_model().objects.count()
    return counts


def metric(geojson: dict):
    return sample_geo.to_metric(shp.shape(geojson))


# -- the generator and the files -------------------------------------------------------------------


def test_generator_is_deterministic(county):
    again = generate_county()
    assert again == county
    assert again.highlights == county.highlights


def test_sample_files_are_deterministic_and_match_the_committed_ones(county, tmp_path):
    first = sample_files_write(tmp_path / "a", county=county)
    second = sample_files_write(tmp_path / "b", county=generate_county())
    assert [p.name for p in first] == list(FILE_NAMES)
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), f"{a.name} differs between runs"
    assert sum(p.stat().st_size for p in first) < 1_000_000
    stale = [p.name for p in first if (SAMPLES_DIR / p.name).read_bytes() != p.read_bytes()]
    assert not stale, f"samples/ is out of date ({stale}); run: manage.py write_sample_files"


def test_schools_csv_is_gbk_with_gcj02_coordinates(county, tmp_path):
    path = sample_files_write(tmp_path, county=county)[FILE_NAMES.index("schools.csv")]
    lines = path.read_bytes().decode("gbk").splitlines()
    assert lines[0].startswith("学校代码,学校名称,学段,城乡,纬度,经度")
    first = county.schools[0]
    code, _, _, _, lat, lon, *_ = lines[1].split(",")
    assert code == first.code
    # GCJ-02 is a few hundred metres off WGS-84 here.
    assert 100 < haversine_m(first.lat, first.lon, float(lat), float(lon)) < 700


# -- what is loaded -------------------------------------------------------------------------------


def test_loads_a_county_of_every_school_level(loaded, county):
    assert "WARNING" not in loaded
    assert Station.objects.filter(is_sample=True).count() == 12
    schools = list(School.objects.filter(is_sample=True))
    assert 55 <= len(schools) <= 65
    assert {s.level for s in schools} == ALL_LEVELS
    assert {s.area for s in schools} == {"urban", "rural"}
    levels = Counter(s.level for s in schools)
    assert levels["special"] == 1 and 1 <= levels["vocational"] <= 2
    assert levels["primary"] > levels["junior"] > levels["senior"]
    assert Zone.objects.filter(is_sample=True).count() == 8
    assert Department.objects.filter(is_sample=True).count() == 8
    assert all("（样例）" in s.name for s in schools)
    assert not Officer.objects.filter(is_sample=False).exists()


def test_gates_sit_on_the_campus_edge_60_to_150_m_from_the_school(loaded):
    for school in School.objects.filter(is_sample=True).prefetch_related("gates", "safety_contacts"):
        gates = list(school.gates.all())
        assert 1 <= len(gates) <= 3
        assert sum(g.is_main for g in gates) == 1
        assert 1 <= len(school.safety_contacts.all()) <= 2
        outline = polygon_from_geojson(school.campus)
        assert outline.contains(shp.Point(school.lon, school.lat))
        for gate in gates:
            assert 55 <= haversine_m(school.lat, school.lon, gate.lat, gate.lon) <= 150
            assert outline.exterior.distance(shp.Point(gate.lon, gate.lat)) < 2e-5  # about 2 m


def test_jurisdictions_are_valid_and_partition_the_county(loaded, county):
    stations = list(Station.objects.filter(is_sample=True))
    cells = []
    for station in stations:
        cell = polygon_from_geojson(station.jurisdiction)  # raises on an invalid polygon
        assert cell.contains(shp.Point(station.lon, station.lat)), station.code
        cells.append(metric(station.jurisdiction))
    overlap = sum(cells[i].intersection(cells[j]).area for i in range(len(cells)) for j in range(i + 1, len(cells)))
    assert overlap < 1.0  # square metres
    boundary = metric(county.boundary)
    assert shapely.union_all(cells).symmetric_difference(boundary).area < 1e-5 * boundary.area


def test_each_zone_belongs_to_the_urban_station_holding_most_of_it(loaded):
    for zone in Zone.objects.filter(is_sample=True).select_related("station"):
        area = metric(zone.boundary)
        assert zone.station.code in {"SJ01", "SJ02", "SJ03"}
        assert area.intersection(metric(zone.station.jurisdiction)).area > 0.5 * area.area


def test_every_school_resolves_to_its_intended_station(loaded, county):
    schools = list(School.objects.filter(is_sample=True).select_related("responsible_station", "zone"))
    resolutions = resolve_points([s.lat for s in schools], [s.lon for s in schools], [s.area for s in schools])
    intended = {s.code: s for s in county.schools}
    for school, resolution in zip(schools, resolutions, strict=True):
        assert resolution.via == ("zone" if school.area == "urban" else "jurisdiction"), school.code
        assert resolution.station_id == school.responsible_station_id
        assert school.responsible_station.code == intended[school.code].station_code
        assert (school.zone.code if school.zone else "") == intended[school.code].zone_code


# -- the story ------------------------------------------------------------------------------------


def test_coverage_report_shows_the_intended_gaps(loaded, county):
    h = county.highlights
    report = coverage_report()
    assert sorted(s.code for s in report.uncovered) == list(h["uncovered"])
    assert 3 <= len(report.uncovered) <= 4
    needing = {a.school.code: problem for a, problem in report.needs_reassignment}
    assert needing == {
        **{code: "officer_transferred" for code in h["pending_after_transfer"]},
        **{code: "officer_inactive" for code in h["pending_after_deactivation"]},
    }
    assert 1 <= len(h["pending_after_deactivation"]) <= 2
    assert report.contradictions == []
    assert [(a.school.code, a.officer.badge_no) for a in report.overridden] == [
        (h["override_school"][0], h["override_officer"][0])
    ]
    assert sorted(s.code for s in report.unpaired) == list(h["unpaired"])
    assert report.outside == [] and report.over_limit == []
    assert report.county.covered == len(county.schools) - len(report.uncovered) - len(needing)


def test_the_personnel_changes_went_through_the_services(loaded, county):
    h = county.highlights
    deactivated = Officer.objects.get(badge_no=h["deactivated_officer"][0])
    transferred = Officer.objects.get(badge_no=h["transferred_officer"][0])
    assert not deactivated.active
    assert transferred.station.code == "SJ01"
    moved = LiaisonAssignment.objects.filter(school__code=h["reassigned_after_transfer"][0]).order_by("started_at")
    assert [a.officer_id == transferred.id for a in moved] == [True, False]
    assert moved[0].ended_at is not None and moved[1].ended_at is None
    admin = get_user_model().objects.get(username=SAMPLE_USERS[Role.BUREAU_ADMIN])
    actions = Counter(AuditLogEntry.objects.filter(actor=admin).values_list("action", flat=True))
    assert actions["officer.deactivate"] == 1 and actions["officer.transfer"] == 1
    assert actions["liaison.assign"] == LiaisonAssignment.objects.filter(school__is_sample=True).count()
    assert actions["pairing.assign"] == DepartmentPairing.objects.filter(school__is_sample=True).count()


def test_active_liaisons_are_police_of_the_responsible_station_within_the_limit(loaded):
    active = LiaisonAssignment.objects.filter(ended_at__isnull=True).select_related(
        "officer", "school", "station_at_start"
    )
    load = Counter()
    for a in active:
        assert a.officer.kind == Officer.Kind.POLICE
        assert a.assigned_by.username == SAMPLE_USERS[Role.BUREAU_ADMIN]
        if not a.override_reason:
            assert a.station_at_start_id == a.school.responsible_station_id
        load[a.officer_id] += 1
    assert max(load.values()) <= settings.LIAISON_MAX_SCHOOLS_PER_OFFICER


# -- users ----------------------------------------------------------------------------------------


def test_each_sample_user_has_exactly_its_role(loaded):
    User = get_user_model()
    for role, username in SAMPLE_USERS.items():
        user = User.objects.get(username=username)
        assert roles_of(user) == frozenset({role}), username
        assert user.check_password(SAMPLE_PASSWORD)
        assert "（样例）" in user.get_full_name()
    admin = User.objects.get(username=SAMPLE_USERS[Role.BUREAU_ADMIN])
    assert admin.is_staff and admin.is_superuser
    assert not User.objects.filter(username__in=list(SAMPLE_USERS.values())[1:], is_staff=True).exists()


def test_sample_officer_and_sample_staff_are_linked(loaded):
    User = get_user_model()
    officer = User.objects.get(username=SAMPLE_USERS[Role.STATION_OFFICER]).officer
    assert officer.kind == Officer.Kind.POLICE and officer.active
    schools = set(
        LiaisonAssignment.objects.filter(officer=officer, ended_at__isnull=True).values_list("school_id", flat=True)
    )
    assert 2 <= len(schools) <= 3
    staff = User.objects.get(username=SAMPLE_USERS[Role.SCHOOL_STAFF]).school_staff
    assert staff.school.level == School.Level.PRIMARY
    assert staff.school_id in schools


def test_every_school_has_a_staff_account(loaded):
    for school in School.objects.filter(is_sample=True):
        user = get_user_model().objects.get(username=f"staff_{school.code}")
        assert user.school_staff.school == school
        assert roles_of(user) == frozenset({Role.SCHOOL_STAFF})
        assert user.check_password(SAMPLE_PASSWORD)


# -- loading again, resetting ---------------------------------------------------------------------


def test_loading_twice_creates_nothing_twice(loaded):
    before = row_counts()
    audit_before = AuditLogEntry.objects.count()
    out = io.StringIO()
    call_command("load_sample_county", stdout=out)
    assert "already loaded" in out.getvalue()
    assert row_counts() == before
    assert AuditLogEntry.objects.count() == audit_before


def test_loading_again_recreates_a_missing_sample_user(loaded):
    get_user_model().objects.filter(username=SAMPLE_USERS[Role.DRONE_OPERATOR]).delete()
    out = io.StringIO()
    call_command("load_sample_county", stdout=out)
    assert "1 missing sample users created" in out.getvalue()
    pilot = get_user_model().objects.get(username=SAMPLE_USERS[Role.DRONE_OPERATOR])
    assert roles_of(pilot) == frozenset({Role.DRONE_OPERATOR})


def test_reset_reloads_sample_data_and_leaves_other_data_alone(loaded):
    far = StationFactory(code="XX01", lat=36.9, lon=119.5)
    outside = SchoolFactory(code="REAL0001", lat=36.9, lon=119.5)
    # A real school inside the sample county is re-resolved to the reloaded station of the same code.
    inside_point = Station.objects.get(code="SJ08")
    inside = SchoolFactory(code="REAL0002", lat=inside_point.lat, lon=inside_point.lon + 0.003)
    assert inside.responsible_station.code == "SJ08"
    outside_before = School.objects.filter(pk=outside.pk).values().get()
    before = row_counts()
    old_school_ids = set(School.objects.filter(is_sample=True).values_list("id", flat=True))
    audit_before = AuditLogEntry.objects.count()

    with audit_log_append_only():
        call_command("load_sample_county", "--reset", stdout=io.StringIO())

    assert School.objects.filter(pk=outside.pk).values().get() == outside_before
    assert Station.objects.get(pk=far.pk).code == "XX01"
    inside.refresh_from_db()
    assert inside.responsible_station.code == "SJ08" and not inside.is_sample
    assert row_counts() == before
    assert not old_school_ids & set(School.objects.filter(is_sample=True).values_list("id", flat=True))
    assert AuditLogEntry.objects.count() > audit_before  # nothing deleted, the reload audited
    assert coverage_report().contradictions == []


def test_reset_refuses_when_other_data_depends_on_sample_data(loaded):
    Officer.objects.create(badge_no="REAL01", name="Real officer", station=Station.objects.get(code="SJ01"))
    with pytest.raises(CommandError, match="REAL01"):
        call_command("load_sample_county", "--reset", stdout=io.StringIO())
    assert School.objects.filter(is_sample=True).count() == 60


def test_load_refuses_to_overwrite_non_sample_codes(loaded, county):
    with audit_log_append_only():
        sample_county_delete(county=county)
    StationFactory(code="SJ01")
    with pytest.raises(CommandError, match="station SJ01"):
        call_command("load_sample_county", stdout=io.StringIO())
    assert not School.objects.filter(is_sample=True).exists()
