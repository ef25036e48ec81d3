"""一校一警 assignment rules: one active liaison, same station, limits, overrides, history, audit."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from campus import selectors, services
from campus.models import LiaisonAssignment, Officer
from common.errors import NotAllowed
from common.models import AuditLogEntry
from tests.factories import OfficerFactory, SchoolFactory, StationFactory, square

pytestmark = pytest.mark.django_db


def test_assigns_officer_of_responsible_station_and_audits(school, officer, scheduler):
    assignment = services.liaison_assign(school=school, officer=officer, actor=scheduler, reason="new term")
    assert assignment.is_active
    assert assignment.station_at_start == officer.station
    entry = AuditLogEntry.objects.get(action="liaison.assign")
    assert entry.actor == scheduler
    assert entry.after["officer_id"] == officer.id
    assert entry.before is None


def test_reassignment_ends_previous_and_keeps_history(school, officer, scheduler):
    other = OfficerFactory(station=officer.station)
    services.liaison_assign(school=school, officer=officer, actor=scheduler)
    services.liaison_assign(school=school, officer=other, actor=scheduler, reason="rotation")
    history = list(LiaisonAssignment.objects.filter(school=school).order_by("started_at"))
    assert [a.officer for a in history] == [officer, other]
    assert history[0].ended_at is not None and history[0].end_reason == "rotation"
    assert history[1].ended_at is None


def test_database_refuses_second_active_liaison(school, officer):
    other = OfficerFactory(station=officer.station)
    LiaisonAssignment.objects.create(school=school, officer=officer, started_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        LiaisonAssignment.objects.create(school=school, officer=other, started_at=timezone.now())


def test_rejects_inactive_officer_and_writes_nothing(school, officer, scheduler):
    officer.active = False
    officer.save()
    with pytest.raises(services.LiaisonError) as err:
        services.liaison_assign(school=school, officer=officer, actor=scheduler)
    assert err.value.code == "officer_inactive"
    assert "inactive" in err.value.message
    assert not LiaisonAssignment.objects.exists()
    assert not AuditLogEntry.objects.exists()


def test_rejects_auxiliary_officer(school, station, scheduler):
    aux = OfficerFactory(station=station, kind=Officer.Kind.AUXILIARY)
    with pytest.raises(services.LiaisonError) as err:
        services.liaison_assign(school=school, officer=aux, actor=scheduler)
    assert err.value.code == "officer_not_police"


def test_rejects_officer_of_other_station_unless_admin_overrides(school, scheduler, admin_user):
    far = StationFactory(lat=36.5, lon=118.5)
    stranger = OfficerFactory(station=far)
    with pytest.raises(services.LiaisonError) as err:
        services.liaison_assign(school=school, officer=stranger, actor=scheduler)
    assert err.value.code == "rule_broken"
    assert far.name in err.value.message
    with pytest.raises(NotAllowed):
        services.liaison_assign(school=school, officer=stranger, actor=scheduler, override_reason="cover")
    assert not LiaisonAssignment.objects.exists()
    a = services.liaison_assign(school=school, officer=stranger, actor=admin_user, override_reason="station short")
    assert a.override_reason == "station short"
    assert selectors.liaison_problem(a) is None


def test_enforces_limit_per_officer(station, officer, scheduler, settings):
    station.max_schools_per_officer = 2
    station.save()
    schools = [SchoolFactory() for _ in range(3)]
    services.liaison_assign(school=schools[0], officer=officer, actor=scheduler)
    services.liaison_assign(school=schools[1], officer=officer, actor=scheduler)
    with pytest.raises(services.LiaisonError) as err:
        services.liaison_assign(school=schools[2], officer=officer, actor=scheduler)
    assert "limit is 2" in err.value.message


def test_urban_school_uses_zone_station_rural_uses_jurisdiction(db):
    outer = StationFactory(code="OUT", jurisdiction=square(36.18, 118.17, 0.1))
    town = StationFactory(code="TOWN", jurisdiction=square(36.5, 118.5, 0.01))
    from tests.factories import ZoneFactory

    zone = ZoneFactory(station=town, boundary=square(36.18, 118.17, 0.01))
    urban = SchoolFactory(area="urban")
    rural = SchoolFactory(area="rural")
    assert urban.responsible_station == town and urban.zone == zone
    assert rural.responsible_station == outer and rural.zone is None


def test_deactivated_or_transferred_officer_schools_need_reassignment(school, officer, scheduler, admin_user):
    services.liaison_assign(school=school, officer=officer, actor=scheduler)
    services.officer_transfer(
        officer=officer, station=StationFactory(lat=36.6, lon=118.6), actor=admin_user, reason="moved"
    )
    report = selectors.coverage_report()
    assert [(a.school, p) for a, p in report.needs_reassignment] == [(school, "officer_transferred")]
    assert report.county.needs_reassignment == 1


def test_candidates_same_station_lowest_load_then_nearest(station, scheduler):
    busy = OfficerFactory(station=station)
    idle_far = OfficerFactory(station=station)
    idle_near = OfficerFactory(station=station)
    SchoolFactory(lat=36.20, lon=118.17)
    near_school = SchoolFactory(lat=36.181, lon=118.171)
    far_school = SchoolFactory(lat=36.22, lon=118.21)
    target = SchoolFactory(lat=36.18, lon=118.17)
    services.liaison_assign(school=near_school, officer=idle_near, actor=scheduler)
    services.liaison_assign(school=far_school, officer=idle_far, actor=scheduler)
    for s in (SchoolFactory(), SchoolFactory()):
        services.liaison_assign(school=s, officer=busy, actor=scheduler)
    OfficerFactory(station=station, kind=Officer.Kind.AUXILIARY)
    OfficerFactory(station=station, active=False)
    OfficerFactory(station=StationFactory(lat=36.6, lon=118.6))
    names = [c.officer for c in selectors.liaison_candidates(school=target)]
    assert names == [idle_near, idle_far, busy]


def test_leadership_cannot_assign(school, officer, leader):
    with pytest.raises(NotAllowed):
        services.liaison_assign(school=school, officer=officer, actor=leader)
