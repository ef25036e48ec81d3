"""A small hand-made county for the monthly report: October 2026, two stations, three schools.

North station (schools A and B), South station (school C). What the figures must come to:

- incidents reported in October: A traffic x2 and fight (acknowledged after 10, 20, 30 min), C theft (40 min);
  September: one at A; August: two at A. County ack P50 25.0, P90 37.0; North P50 20.0, P90 28.0.
- 回访 done in October: two satisfied (North), one unsatisfied (South): county 66.7 %, North 100 %, South 0 %.
- rectification items raised in October at North: one cleared, one open (cleared 50 %).
- 一校一警: A and C have a liaison officer, B has none: North 50 %, South 100 %, county 66.7 %.
- 护学岗 at A in October: three slots; one covered and checked in late, one covered and missed, one uncovered.
- drills: one term rule; A held its drill: North 1 of 2 met (50 %), South 0 of 1.
- drones: two flights started in October (one completed, 30 + 10 minutes), one in November.
- targets: county default liaison coverage >= 90; North's acknowledgement P90 <= 30.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from campus.models import LiaisonAssignment
from common.roles import Role
from drills.models import DrillRule
from drones.models import Drone, Flight
from patrol.models import CheckIn, DutyRole
from reports.models import Metric, Target
from tests.drills.factories import DrillFactory, DrillRuleFactory
from tests.factories import GateFactory, OfficerFactory, SchoolFactory, StationFactory, UserFactory, make_user, square
from tests.incidents.factories import FollowUpFactory, IncidentFactory, RectificationFactory
from tests.patrol.factories import DutyAssignmentFactory, DutyShiftFactory, DutyStaffFactory, PostFactory, TermFactory

LOCAL = ZoneInfo("Asia/Shanghai")
OCTOBER = dt.date(2026, 10, 1)


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=LOCAL)


def _incident(school, created: str, *, ack_min: int | None = None, **kw):
    created_at = local(created)
    return IncidentFactory(
        school=school,
        created_at=created_at,
        occurred_at=created_at - dt.timedelta(minutes=5),
        acknowledged_at=created_at + dt.timedelta(minutes=ack_min) if ack_min is not None else None,
        status="acknowledged" if ack_min is not None else "reported",
        **kw,
    )


@pytest.fixture
def limits(settings):
    settings.INCIDENT_ACK_MINUTES = {"urgent": 5, "high": 15, "medium": 60, "low": 240}
    settings.INCIDENT_RESOLVE_HOURS = {"urgent": 4, "high": 24, "medium": 72, "low": 168}


@pytest.fixture
def county(db, limits):
    north = StationFactory(
        name="North station", code="N01", lat=36.30, lon=118.17, jurisdiction=square(36.30, 118.17, 0.05)
    )
    south = StationFactory(
        name="South station", code="S01", lat=36.05, lon=118.17, jurisdiction=square(36.05, 118.17, 0.05)
    )
    school_a = SchoolFactory(name="North primary A", lat=36.30, lon=118.17)
    school_b = SchoolFactory(name="North middle B", lat=36.31, lon=118.18)
    school_c = SchoolFactory(name="South primary C", lat=36.05, lon=118.16)
    assert (school_a.responsible_station, school_c.responsible_station) == (north, south)

    october = [
        _incident(school_a, "2026-10-05 07:40", ack_min=10, category="traffic"),
        _incident(school_a, "2026-10-06 16:50", ack_min=20, category="traffic"),
        _incident(school_a, "2026-10-10 12:00", ack_min=30, category="fight"),
        _incident(school_c, "2026-10-12 08:00", ack_min=40, category="theft"),
    ]
    _incident(school_a, "2026-09-15 08:00", ack_min=5, category="traffic")
    _incident(school_a, "2026-08-15 08:00", ack_min=5, category="traffic")
    _incident(school_a, "2026-08-20 08:00", ack_min=5, category="fire")
    FollowUpFactory(incident=october[0], status="done", satisfaction="satisfied", done_at=local("2026-10-08 10:00"))
    FollowUpFactory(incident=october[1], status="done", satisfaction="satisfied", done_at=local("2026-10-09 10:00"))
    FollowUpFactory(incident=october[3], status="done", satisfaction="unsatisfied", done_at=local("2026-10-14 10:00"))
    RectificationFactory(
        incident=october[0],
        created_at=local("2026-10-09 10:00"),
        status="cleared",
        cleared_at=local("2026-10-11 10:00"),
    )
    RectificationFactory(incident=october[1], created_at=local("2026-10-10 10:00"))

    north_officer = OfficerFactory(station=north, name="Officer North")
    south_officer = OfficerFactory(station=south, name="Officer South")
    LiaisonAssignment.objects.create(
        school=school_a, officer=north_officer, station_at_start=north, started_at=local("2026-09-01 09:00")
    )
    LiaisonAssignment.objects.create(
        school=school_c, officer=south_officer, station_at_start=south, started_at=local("2026-09-01 09:00")
    )

    term = TermFactory(start_date=dt.date(2026, 9, 1), end_date=dt.date(2027, 1, 22))
    post = PostFactory(gate=GateFactory(school=school_a), requirements={"police": 1})
    staff = DutyStaffFactory(station=north, role=DutyRole.POLICE)
    late = DutyAssignmentFactory(shift=DutyShiftFactory(term=term, post=post, date=dt.date(2026, 10, 12)), staff=staff)
    CheckIn.objects.create(assignment=late, checked_in_at=local("2026-10-12 07:35"), late=True)
    DutyAssignmentFactory(shift=DutyShiftFactory(term=term, post=post, date=dt.date(2026, 10, 13)), staff=staff)
    DutyShiftFactory(term=term, post=post, date=dt.date(2026, 10, 14))

    DrillRule.objects.update(active=False)  # the rules the migrations seed: this county has one rule only
    rule_type = DrillRuleFactory(period=DrillRule.Period.TERM, count=1).drill_type
    DrillFactory(school=school_a, drill_type=rule_type, date=dt.date(2026, 10, 15))

    pilot = UserFactory(username="pilot_x")
    drone = Drone.objects.create(name="Report drone 1", serial="RPT-0001", system_id=201)
    Flight.objects.create(drone=drone, pilot=pilot, status=Flight.Status.COMPLETED,
                          started_at=local("2026-10-03 09:00"), ended_at=local("2026-10-03 09:30"))  # fmt: skip
    Flight.objects.create(drone=drone, pilot=pilot, status=Flight.Status.ABORTED,
                          started_at=local("2026-10-20 09:00"), ended_at=local("2026-10-20 09:10"))  # fmt: skip
    Flight.objects.create(drone=drone, pilot=pilot, status=Flight.Status.COMPLETED,
                          started_at=local("2026-11-02 09:00"), ended_at=local("2026-11-02 09:30"))  # fmt: skip

    Target.objects.create(metric=Metric.LIAISON_COVERAGE_PCT, station=None, value=90)
    Target.objects.create(metric=Metric.ACK_P90_MIN, station=north, value=30)
    return {
        "north": north,
        "south": south,
        "schools": (school_a, school_b, school_c),
        "officers": (north_officer, south_officer),
    }


@pytest.fixture
def author(db):
    return make_user(Role.BRIGADE_SCHEDULER, username="analyst")


@pytest.fixture
def admin(db):
    return make_user(Role.BUREAU_ADMIN, username="boss_admin")


@pytest.fixture
def leader(db):
    return make_user(Role.LEADERSHIP, username="leader")


@pytest.fixture
def north_head(county):
    """A station officer of North (its head reads the station's report)."""
    return make_user(Role.STATION_OFFICER, officer=county["officers"][0], username="north_head")


@pytest.fixture
def south_officer_user(county):
    return make_user(Role.STATION_OFFICER, officer=county["officers"][1], username="south_officer")
