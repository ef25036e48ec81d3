"""Scheduling's objective (reach, townships' fairness), re-planning with few changes, and bad input."""

from __future__ import annotations

import datetime as dt

import pytest

from campaigns.models import FlightApplication, Occurrence, Sortie
from campaigns.planning import solver
from campaigns.planning.occurrences import occurrences_build
from campaigns.planning.problem import Flight
from campaigns.planning.schedule import (
    ScheduleError,
    ScheduleSolutionInvalid,
    campaign_replan,
    campaign_schedule,
)
from common.errors import NotAllowed
from common.models import AuditLogEntry
from common.roles import SYSTEM
from drones.models import Drone, Mission
from tests.campaigns import builders
from tests.factories import StationFactory, make_user

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 12, 7)
NEAR = (builders.STREET_START[0] + 0.003, builders.STREET_START[1])  # ~330 m north
SHORT = dt.time(8, 15)  # 08:00–08:15: room for one sortie of one drone, not two


@pytest.fixture(autouse=True)
def fast_solver(settings):
    settings.CAMPAIGN_SOLVER_TIME_S = 2.0


def week_campaign(*, days: int = 1, **fields):
    campaign = builders.campaign(start=MONDAY, end=MONDAY + dt.timedelta(days=days - 1), **fields)
    occurrences_build(campaign=campaign, actor=SYSTEM)
    return campaign


def scheduled_markets(campaign) -> list[str]:
    return sorted(
        Sortie.objects.filter(occurrence__campaign=campaign).values_list("occurrence__market__name", flat=True)
    )


# --- objective ----------------------------------------------------------------------------------------


def test_the_bigger_crowd_wins_when_only_one_can_be_flown():
    builders.street_market("小集", attendance=500, closes=SHORT)
    builders.street_market("大集", at=NEAR, attendance=5000, closes=SHORT)
    builders.drone()
    builders.pilot()
    campaign = week_campaign()
    result = campaign_schedule(campaign=campaign, actor=SYSTEM)
    assert scheduled_markets(campaign) == ["大集"]
    assert result.unschedulable["no_drone"] == 1


def test_fairness_spreads_visits_over_townships(settings, monkeypatch):
    """One sortie a day on Monday and Tuesday: township A's market draws more, but B gets one of the two."""
    settings.CAMPAIGN_REACH = {"repeat_share_market": 0.0}  # no repeat discount: only fairness spreads them
    a, b = StationFactory(name="甲镇"), StationFactory(name="乙镇")
    builders.street_market("甲镇大集", attendance=3000, weekdays=[0, 1], closes=SHORT, station=a)
    builders.street_market("乙镇大集", at=NEAR, attendance=2000, weekdays=[0, 1], closes=SHORT, station=b)
    builders.drone()
    builders.pilot()
    campaign = week_campaign(days=2)
    campaign_schedule(campaign=campaign, actor=SYSTEM)
    assert scheduled_markets(campaign) == ["乙镇大集", "甲镇大集"]
    # Without the fairness term, the bigger market takes both days.
    monkeypatch.setitem(solver.WEIGHTS, "fairness", 0.0)
    Sortie.objects.all().delete()
    campaign_schedule(campaign=campaign, actor=SYSTEM)
    assert scheduled_markets(campaign) == ["甲镇大集", "甲镇大集"]


def test_pilots_share_the_load():
    for n in range(4):
        builders.street_market(f"集{n}", at=(builders.STREET_START[0] + 0.003 * n, builders.STREET_START[1]),
                               opens=dt.time(8 + 2 * n, 0), closes=dt.time(9 + 2 * n, 0))  # fmt: skip
    builders.drone()
    first, second = builders.pilot("a"), builders.pilot("b")
    campaign = week_campaign()
    assert campaign_schedule(campaign=campaign, actor=SYSTEM).scheduled == 4
    loads = [Sortie.objects.filter(pilot=p).count() for p in (first, second)]
    assert loads == [2, 2]


# --- re-planning --------------------------------------------------------------------------------------


def test_replan_after_a_drone_goes_out_of_service_changes_few_and_never_flown():
    for n in range(3):
        builders.street_market(f"集{n}", at=(builders.STREET_START[0] + 0.003 * n, builders.STREET_START[1]),
                               opens=dt.time(8 + 2 * n, 0), closes=dt.time(9 + 2 * n, 0))  # fmt: skip
    one = builders.drone("一号")
    two = builders.drone("二号")
    builders.pilot("a")
    builders.pilot("b")
    campaign = week_campaign(days=5)
    campaign_schedule(campaign=campaign, actor=SYSTEM)
    before = {s.occurrence_id: s for s in Sortie.objects.all()}
    assert len(before) == 15
    on_one = [s for s in before.values() if s.drone_id == one.id]
    assert on_one, "both drones are used"
    flown = on_one[0]
    Sortie.objects.filter(id=flown.id).update(status=Sortie.Status.FLOWN)
    Occurrence.objects.filter(id=flown.occurrence_id).update(status=Occurrence.Status.FLOWN)
    Drone.objects.filter(id=one.id).update(status=Drone.Status.MAINTENANCE)

    result = campaign_replan(campaign=campaign, actor=SYSTEM, reason="一号 in maintenance", first=MONDAY)

    after = {s.occurrence_id: s for s in Sortie.objects.all()}
    still = after[flown.occurrence_id]
    assert (still.id, still.drone_id, still.status, still.start) == (flown.id, one.id, "flown", flown.start)
    assert all(s.drone_id == two.id for s in after.values() if s.status == "scheduled")
    untouched = [s for s in before.values() if s.drone_id == two.id]
    for sortie in untouched:
        now = after[sortie.occurrence_id]
        assert (now.id, now.pilot_id, now.start, now.mission_id) == (
            sortie.id,
            sortie.pilot_id,
            sortie.start,
            sortie.mission_id,
        )
    assert result.changed <= len(on_one) - 1 and result.kept >= len(untouched)
    assert result.scheduled + 1 == len(after) == 15  # drone two takes them all, in the other hours
    entry = AuditLogEntry.objects.get(action="campaign.replan")
    assert entry.reason == "一号 in maintenance" and entry.after["changed"] == result.changed
    # The moved sorties' old missions are archived, the new ones ready.
    for sortie in on_one[1:]:
        assert Mission.objects.get(id=sortie.mission_id).status == Mission.Status.ARCHIVED


def test_a_sortie_planned_again_needs_its_flight_application_filed_again():
    builders.street_market("集")
    one = builders.drone("一号")
    two = builders.drone("二号")
    builders.pilot("a")
    campaign = week_campaign(days=1)
    campaign_schedule(campaign=campaign, actor=SYSTEM)
    sortie = Sortie.objects.get()
    moved_off = one if sortie.drone_id == one.id else two
    application = FlightApplication.objects.create(
        sortie=sortie, status=FlightApplication.Status.APPROVED, reference="民航局-2026-001"
    )
    Drone.objects.filter(id=moved_off.id).update(status=Drone.Status.MAINTENANCE)
    campaign_replan(campaign=campaign, actor=SYSTEM, reason="drone in maintenance", first=MONDAY)
    sortie.refresh_from_db()
    application.refresh_from_db()
    assert sortie.drone_id != moved_off.id
    assert (application.status, application.reference) == ("draft", "")
    assert "planned again" in application.note


def test_a_playlist_with_a_clip_not_approved_is_not_scheduled():
    from campaigns.models import Clip

    builders.street_market("集")
    builders.drone("一号")
    builders.pilot("a")
    campaign = week_campaign(days=1)
    clip = campaign.playlist.items.first().clip
    Clip.objects.filter(pk=clip.pk).update(status=Clip.Status.SUBMITTED)
    with pytest.raises(ScheduleError) as caught:
        campaign_schedule(campaign=campaign, actor=SYSTEM)
    assert caught.value.code == "playlist_not_approved" and clip.title in caught.value.message
    assert not Sortie.objects.exists()


def test_replan_needs_a_reason():
    builders.street_market()
    builders.drone()
    builders.pilot()
    campaign = week_campaign()
    with pytest.raises(ScheduleError) as error:
        campaign_replan(campaign=campaign, actor=SYSTEM, reason="  ", first=MONDAY)
    assert error.value.code == "reason_required"


# --- bad input and impossible schedules ---------------------------------------------------------------


def test_impossible_schedule_says_why_and_writes_nothing():
    builders.street_market()
    builders.drone("航拍", loudspeaker=False)
    builders.drone("喊话", status="maintenance")
    builders.pilot()
    campaign = week_campaign(days=2)
    with pytest.raises(ScheduleError) as error:
        campaign_schedule(campaign=campaign, actor=SYSTEM)
    assert error.value.code == "no_drone"
    assert "航拍 has no loudspeaker" in error.value.message and "喊话 is In maintenance" in error.value.message
    assert not Sortie.objects.exists() and not Mission.objects.exists()
    assert set(Occurrence.objects.values_list("status", flat=True)) == {"open"}
    assert not AuditLogEntry.objects.filter(action="campaign.schedule").exists()
    refused = AuditLogEntry.objects.get(action="campaign.schedule.refused")
    assert refused.after["code"] == "no_drone"


def test_no_valid_licence_is_refused():
    builders.street_market()
    builders.drone()
    builders.pilot(expiry=MONDAY - dt.timedelta(days=1))
    campaign = week_campaign()
    with pytest.raises(ScheduleError) as error:
        campaign_schedule(campaign=campaign, actor=SYSTEM)
    assert error.value.code == "no_pilot" and "licence expired on 2026-12-06" in error.value.message


def test_a_schedule_breaking_a_rule_is_refused_whole(monkeypatch):
    """A solver bug (two sorties of one drone at once) never reaches the database, not even in part."""
    builders.street_market("东集", closes=SHORT)
    builders.street_market("西集", at=NEAR, closes=SHORT)
    drone = builders.drone()
    pilot = builders.pilot()
    campaign = week_campaign()
    real_solve = solver.schedule_solve

    def broken(problem, **kwargs):
        chosen, ledger, report = real_solve(problem, **kwargs)
        occ = next(o for o in problem.occs if o.id not in {f.occ_id for f in chosen})
        plan = problem.plans[(occ.id, drone.id)]
        clash = Flight(occ.id, drone.id, pilot.id, chosen[0].start_s, chosen[0].start_s + plan.duration_s,
                       plan.packs, plan.launch, occ.date)  # fmt: skip
        return [*chosen, clash], ledger, report

    monkeypatch.setattr("campaigns.planning.schedule.schedule_solve", broken)
    with pytest.raises(ScheduleSolutionInvalid) as error:
        campaign_schedule(campaign=campaign, actor=SYSTEM)
    assert "overlap" in error.value.message
    assert not Sortie.objects.exists() and not Mission.objects.exists()
    assert set(Occurrence.objects.values_list("status", flat=True)) == {"open"}


def test_bad_range_and_missing_occurrences_are_refused():
    builders.street_market()
    builders.drone()
    builders.pilot()
    campaign = builders.campaign(start=MONDAY, end=MONDAY)
    with pytest.raises(ScheduleError) as error:
        campaign_schedule(campaign=campaign, actor=SYSTEM)
    assert error.value.code == "no_occurrences"
    occurrences_build(campaign=campaign, actor=SYSTEM)
    with pytest.raises(ScheduleError) as error:
        campaign_schedule(campaign=campaign, actor=SYSTEM, first=MONDAY + dt.timedelta(days=3))
    assert error.value.code == "outside_period" and "2026-12-10" in error.value.message


def test_only_planners_may_schedule():
    builders.street_market()
    builders.drone()
    builders.pilot()
    campaign = week_campaign()
    with pytest.raises(NotAllowed):
        campaign_schedule(campaign=campaign, actor=make_user(None, username="nobody"))
    assert not Sortie.objects.exists()
