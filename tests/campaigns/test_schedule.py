"""Scheduling a campaign's sorties: every hard rule, the objective, re-planning and bad input.

Markets here meet on weekdays from 08:00 to 09:00 (unless a test says otherwise) along a ~210 m street;
the drones' homes are about 600 m away, so the launch point is at the market. The week is
2026-12-07 (Monday) to 2026-12-13.
"""

from __future__ import annotations

import datetime as dt

import pytest

from campaigns.models import Occurrence, Sortie
from campaigns.planning.occurrences import occurrences_build
from campaigns.planning.schedule import campaign_schedule
from common.models import AuditLogEntry
from common.roles import SYSTEM
from drones.models import Mission
from tests.campaigns import builders

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 12, 7)


@pytest.fixture(autouse=True)
def fast_solver(settings):
    settings.CAMPAIGN_SOLVER_TIME_S = 2.0


def week_campaign(*, days: int = 1, **fields):
    campaign = builders.campaign(start=MONDAY, end=MONDAY + dt.timedelta(days=days - 1), **fields)
    occurrences_build(campaign=campaign, actor=SYSTEM)
    return campaign


def occurrence_of(campaign, market, day=MONDAY) -> Occurrence:
    return Occurrence.objects.get(campaign=campaign, market=market, date=day)


def test_schedules_each_session_with_a_checked_mission_and_audit():
    market = builders.street_market()
    drone = builders.drone()
    pilot = builders.pilot()
    campaign = week_campaign(days=3)
    result = campaign_schedule(campaign=campaign, actor=SYSTEM)
    assert result.scheduled == 3 and sum(result.unschedulable.values()) == 0
    sorties = list(Sortie.objects.filter(occurrence__campaign=campaign).select_related("mission", "occurrence"))
    assert len(sorties) == 3
    for sortie in sorties:
        occurrence = sortie.occurrence
        assert (sortie.drone, sortie.pilot) == (drone, pilot)
        assert occurrence.window_start <= sortie.start < sortie.end <= occurrence.window_end
        assert sortie.mission.status == Mission.Status.READY and sortie.mission.validation["ok"]
        assert sortie.mission.market == market and sortie.mission.kind == "market_broadcast"
        assert (sortie.mission.launch_lat, sortie.mission.launch_lon) == (sortie.launch_lat, sortie.launch_lon)
        assert occurrence.status == Occurrence.Status.SCHEDULED
    assert result.expected_reach > 0
    entry = AuditLogEntry.objects.get(action="campaign.schedule")
    assert entry.after["scheduled"] == 3
    campaign.refresh_from_db()
    assert campaign.status == "scheduled"


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo("Asia/Shanghai"))


def reason_of(campaign, market, day=MONDAY) -> tuple[str, str]:
    occurrence = occurrence_of(campaign, market, day)
    return occurrence.status, occurrence.reason


# --- pilots: leave, other duty, licence, daily limits ------------------------------------------------


def test_pilot_on_leave_is_not_scheduled():
    from patrol.models import DutyStaff, Leave

    market = builders.street_market()
    builders.drone()
    pilot = builders.pilot()
    staff = DutyStaff.objects.create(role="police", name="Pilot", user=pilot.user)
    Leave.objects.create(staff=staff, start=local(MONDAY, 0), end=local(MONDAY, 23))
    campaign = week_campaign(days=2)
    result = campaign_schedule(campaign=campaign, actor=SYSTEM)
    assert result.scheduled == 1 and result.unschedulable["no_pilot"] == 1
    status, reason = reason_of(campaign, market)
    assert status == "unschedulable" and "leave" in reason and "08:00–09:00" in reason
    assert occurrence_of(campaign, market, MONDAY + dt.timedelta(days=1)).status == "scheduled"


def test_pilot_on_another_duty_is_not_scheduled(school):
    from campus.models import Gate, Term
    from patrol.models import DutyAssignment, DutyShift, DutyStaff, Post

    market = builders.street_market()
    builders.drone()
    pilot = builders.pilot()
    staff = DutyStaff.objects.create(role="police", name="Pilot", user=pilot.user)
    gate = Gate.objects.create(school=school, name="Main", lat=school.lat, lon=school.lon)
    post = Post.objects.create(gate=gate, name="Main", requirements={"police": 1})
    term = Term.objects.create(school_year="2026-2027", name="Autumn", start_date=MONDAY, end_date=MONDAY)
    shift = DutyShift.objects.create(
        term=term, post=post, date=MONDAY, kind="arrival", start=local(MONDAY, 7, 30), end=local(MONDAY, 9, 30)
    )
    DutyAssignment.objects.create(shift=shift, staff=staff, role="police")
    campaign = week_campaign()
    result = campaign_schedule(campaign=campaign, actor=SYSTEM)
    assert result.unschedulable["no_pilot"] == 1
    assert "another duty" in reason_of(campaign, market)[1]


def test_expired_licence_stops_the_pilot_from_that_day():
    market = builders.street_market()
    builders.drone()
    builders.pilot(expiry=MONDAY)  # valid on Monday, expired on Tuesday
    campaign = week_campaign(days=2)
    result = campaign_schedule(campaign=campaign, actor=SYSTEM)
    assert result.scheduled == 1
    assert occurrence_of(campaign, market).status == "scheduled"
    status, reason = reason_of(campaign, market, MONDAY + dt.timedelta(days=1))
    assert status == "unschedulable" and "licence expired" in reason


def two_markets(**second):
    first = builders.street_market("东集", opens=dt.time(8, 0), closes=dt.time(9, 0))
    other = builders.street_market(
        "西集",
        at=(builders.STREET_START[0] + 0.003, builders.STREET_START[1]),
        **{"opens": dt.time(10, 0), "closes": dt.time(11, 0), **second},
    )
    return first, other


def test_daily_sortie_limit_per_pilot(settings):
    settings.CAMPAIGN_MAX_SORTIES_PER_PILOT_DAY = 1
    first, other = two_markets()
    builders.drone()
    builders.pilot()
    campaign = week_campaign()
    result = campaign_schedule(campaign=campaign, actor=SYSTEM)
    assert result.scheduled == 1 and result.unschedulable["no_pilot"] == 1
    unscheduled = Occurrence.objects.get(campaign=campaign, status="unschedulable")
    assert "daily limit" in unscheduled.reason


def test_daily_flying_minutes_per_pilot(settings):
    first, other = two_markets()
    builders.drone()
    builders.pilot()
    campaign = week_campaign()
    assert campaign_schedule(campaign=campaign, actor=SYSTEM).scheduled == 2
    minutes = max((s.end - s.start).total_seconds() / 60 for s in Sortie.objects.all())
    settings.CAMPAIGN_MAX_FLYING_MIN_PER_PILOT_DAY = int(minutes) + 1  # room for one sortie, not two
    result = campaign_schedule(campaign=campaign, actor=SYSTEM)
    assert result.scheduled == 1 and result.unschedulable["no_pilot"] == 1


# --- drones: loudspeaker, in service, overlap, travel, batteries -------------------------------------


def test_only_loudspeaker_drones_fly():
    builders.street_market()
    speaker = builders.drone("喊话")
    builders.drone("航拍", loudspeaker=False, home=(36.1801, 118.17))  # nearer, but no loudspeaker
    builders.pilot()
    campaign = week_campaign(days=3)
    campaign_schedule(campaign=campaign, actor=SYSTEM)
    assert set(Sortie.objects.values_list("drone", flat=True)) == {speaker.id}


def test_drone_out_of_service_is_not_used():
    builders.street_market()
    builders.drone("维修中", status="maintenance", home=(36.1801, 118.17))
    working = builders.drone("在用")
    builders.pilot()
    campaign = week_campaign(days=2)
    campaign_schedule(campaign=campaign, actor=SYSTEM)
    assert set(Sortie.objects.values_list("drone", flat=True)) == {working.id}


def test_one_drone_cannot_fly_two_overlapping_sorties():
    first, other = two_markets(opens=dt.time(8, 0), closes=dt.time(8, 15))
    first.closes = dt.time(8, 15)
    first.save()
    builders.drone()
    builders.pilot("a")
    builders.pilot("b")
    campaign = week_campaign()
    result = campaign_schedule(campaign=campaign, actor=SYSTEM)
    assert result.scheduled == 1 and result.unschedulable["no_drone"] == 1
    assert Occurrence.objects.get(campaign=campaign, status="unschedulable").reason == (
        "no loudspeaker drone free 08:00–08:15"
    )


def test_one_pilot_cannot_fly_two_overlapping_sorties():
    first, other = two_markets(opens=dt.time(8, 0), closes=dt.time(8, 15))
    first.closes = dt.time(8, 15)
    first.save()
    builders.drone("一号")
    builders.drone("二号")
    builders.pilot()
    campaign = week_campaign()
    result = campaign_schedule(campaign=campaign, actor=SYSTEM)
    assert result.scheduled == 1 and result.unschedulable["no_pilot"] == 1
    assert "no pilot free 08:00–08:15" in Occurrence.objects.get(campaign=campaign, status="unschedulable").reason


@pytest.mark.parametrize(("north_deg", "scheduled"), [(0.009, 2), (0.225, 1)])  # 1 km apart, 25 km apart
def test_travel_between_launch_points_counts(north_deg, scheduled):
    """08:00–08:10 and 08:50–09:00: 1 km is 2 min by road plus 15 min set-up; 25 km is 49 min plus 15."""
    builders.street_market("近集", opens=dt.time(8, 0), closes=dt.time(8, 10))
    builders.street_market(
        "远集", at=(builders.STREET_START[0] + north_deg, builders.STREET_START[1]), opens=dt.time(8, 50),
        closes=dt.time(9, 0),
    )  # fmt: skip
    builders.drone()
    builders.pilot()
    campaign = week_campaign()
    result = campaign_schedule(campaign=campaign, actor=SYSTEM)
    assert result.scheduled == scheduled
    if scheduled == 1:
        assert result.unschedulable["travel"] == 1
        unscheduled = Occurrence.objects.get(campaign=campaign, status="unschedulable")
        assert unscheduled.reason.startswith("travel: no loudspeaker drone can get there in time")


@pytest.mark.parametrize(("packs", "scheduled"), [(1, 1), (2, 2)])
def test_a_used_pack_is_back_only_after_recharging(packs, scheduled):
    """08:00–08:15 then 08:30–08:45 on one drone: one pack is still recharging (60 min), two packs suffice."""
    builders.street_market("东集", opens=dt.time(8, 0), closes=dt.time(8, 15))
    builders.street_market(
        "西集", at=(builders.STREET_START[0] + 0.003, builders.STREET_START[1]), opens=dt.time(8, 30),
        closes=dt.time(8, 45),
    )  # fmt: skip
    builders.drone(batteries=packs)
    builders.pilot("a")
    builders.pilot("b")
    campaign = week_campaign()
    result = campaign_schedule(campaign=campaign, actor=SYSTEM)
    assert result.scheduled == scheduled
    if scheduled == 1:
        unscheduled = Occurrence.objects.get(campaign=campaign, status="unschedulable")
        assert unscheduled.reason.startswith("no charged battery pack on a free loudspeaker drone 08:")


# --- visit rules --------------------------------------------------------------------------------------


def test_weekly_rule_visits_a_market_once_per_iso_week():
    market = builders.street_market()
    builders.drone()
    builders.pilot()
    campaign = week_campaign(days=14, visit_rule="weekly")
    result = campaign_schedule(campaign=campaign, actor=SYSTEM)
    assert result.scheduled == 2 and result.unschedulable["visit_rule"] == 12
    weeks = [s.occurrence.date.isocalendar()[1] for s in Sortie.objects.select_related("occurrence")]
    assert sorted(weeks) == [50, 51]
    assert "already visited in week" in Occurrence.objects.filter(status="unschedulable").first().reason
    assert market.name in Occurrence.objects.filter(status="unschedulable").first().reason


def test_per_month_rule_caps_visits_in_each_calendar_month():
    builders.street_market()
    builders.drone()
    builders.pilot()
    campaign = builders.campaign(
        start=dt.date(2026, 12, 28), end=dt.date(2027, 1, 3), visit_rule="per_month", visits_per_month=2
    )
    occurrences_build(campaign=campaign, actor=SYSTEM)
    result = campaign_schedule(campaign=campaign, actor=SYSTEM)
    months = sorted(s.occurrence.date.month for s in Sortie.objects.select_related("occurrence"))
    assert months == [1, 1, 12, 12] and result.unschedulable["visit_rule"] == 3


# --- the mission's checks -----------------------------------------------------------------------------


def test_mission_rejected_by_airspace_check_is_not_scheduled():
    from drones.models import Airspace
    from tests.factories import square

    market = builders.street_market()
    builders.drone()
    builders.pilot()
    Airspace.objects.create(name="水库管理区", kind="restricted", geometry=square(36.1805, 118.171, 0.004))
    campaign = week_campaign()
    result = campaign_schedule(campaign=campaign, actor=SYSTEM)
    assert result.scheduled == 0 and result.unschedulable["airspace"] == 1
    status, reason = reason_of(campaign, market)
    assert status == "unschedulable" and reason.startswith("airspace:") and "水库管理区" in reason
    assert not Mission.objects.exists() and not Sortie.objects.exists()


def test_mission_beyond_endurance_is_not_scheduled():
    market = builders.street_market()
    builders.drone(endurance_min=1)
    builders.pilot()
    campaign = week_campaign()
    result = campaign_schedule(campaign=campaign, actor=SYSTEM)
    assert result.unschedulable["endurance"] == 1
    assert reason_of(campaign, market)[1].startswith("endurance:")
    assert not Mission.objects.exists()


def test_long_street_gets_a_launch_point_its_line_of_sight_check_accepts():
    """A 770 m street: 40 m beyond one end (mission_generate's choice) leaves the far end out of sight."""
    from drones.models import Market

    lat, lon = builders.STREET_START
    market = Market.objects.create(
        name="长街大集", kind="rural", weekdays=[0], opens=dt.time(8, 0), closes=dt.time(9, 0), attendance=3000,
        street={"type": "LineString", "coordinates": [[lon, lat], [lon + 0.0086, lat]]},
    )  # fmt: skip
    builders.drone(home=(lat + 0.02, lon + 0.005))
    builders.pilot()
    campaign = week_campaign()
    result = campaign_schedule(campaign=campaign, actor=SYSTEM)
    assert result.scheduled == 1, occurrence_of(campaign, market).reason
    sortie = Sortie.objects.get()
    assert sortie.mission.validation["ok"]


def test_reasons_are_stored_in_the_language_of_the_request():
    from django.utils import translation

    builders.street_market()
    builders.drone(endurance_min=1)
    builders.pilot()
    campaign = week_campaign()
    with translation.override("zh-hans"):
        campaign_schedule(campaign=campaign, actor=SYSTEM)
    assert Occurrence.objects.get().reason.startswith("续航：")


def test_school_dismissal_gets_a_patrol_sortie(school):
    from campus.models import Gate, Term
    from patrol.models import BellSchedule, BellTime

    Gate.objects.create(school=school, name="Main", is_main=True, lat=school.lat, lon=school.lon)
    bells = BellSchedule.objects.create(school=school, name="Weekdays", weekdays=[0, 1, 2, 3, 4])
    BellTime.objects.create(schedule=bells, kind="dismissal", time=dt.time(16, 30))
    Term.objects.create(school_year="2026-2027", name="Autumn", start_date=dt.date(2026, 9, 1),
                        end_date=dt.date(2027, 1, 20))  # fmt: skip
    builders.drone()
    builders.pilot()
    campaign = builders.campaign(start=MONDAY, end=MONDAY, scope="none")
    campaign.schools.set([school])
    occurrences_build(campaign=campaign, actor=SYSTEM)
    result = campaign_schedule(campaign=campaign, actor=SYSTEM)
    assert result.scheduled == 1
    sortie = Sortie.objects.select_related("mission", "occurrence").get()
    assert sortie.mission.kind == "school_patrol" and sortie.mission.school == school
    assert sortie.occurrence.window_start <= sortie.start < sortie.end <= sortie.occurrence.window_end
