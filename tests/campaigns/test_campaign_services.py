"""Creating and editing campaigns: every rule refuses with its field named and nothing written; the expected
reach of the scheduled sorties against the target."""

from __future__ import annotations

import datetime as dt

import pytest

from campaigns.models import Campaign, Occurrence
from campaigns.planning.occurrences import occurrences_build
from campaigns.planning.selectors import campaign_expected_reach, default_broadcast_min
from campaigns.planning.services import CampaignInput, CampaignInvalid, campaign_create, campaign_update
from common.errors import NotAllowed
from common.models import AuditLogEntry
from common.roles import SYSTEM, Role
from tests.campaigns import builders
from tests.factories import SchoolFactory, StationFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def planner():
    return make_user(Role.DRONE_OPERATOR, username="planner")


@pytest.fixture
def ready():
    """An approved two-clip playlist (75 s + 45 s: a loop of 2 minutes) and a market with attendance."""
    playlist = builders.playlist(builders.clip("不听"), builders.clip("不信", duration_s=45.0), name="反诈两段")
    return {"playlist": playlist, "market": builders.market()}


def values(ready, **changes) -> CampaignInput:
    base = CampaignInput(
        name="反诈宣传进大集",
        theme="anti_fraud",
        start_date=dt.date(2026, 12, 1),
        end_date=dt.date(2026, 12, 31),
        playlist=ready["playlist"],
        reach_target=30000,
        market_scope="chosen",
        markets=[ready["market"]],
    )
    return base.replace(**changes)


def test_creates_a_draft_campaign_with_its_targets_and_an_audit_entry(planner, ready):
    school = SchoolFactory(name="城关小学")
    campaign = campaign_create(values=values(ready, schools=[school], min_broadcast_min=4), actor=planner)
    stored = Campaign.objects.get(pk=campaign.pk)
    assert stored.status == "draft" and stored.created_by == planner and stored.min_broadcast_min == 4
    assert list(stored.markets.all()) == [ready["market"]] and list(stored.schools.all()) == [school]
    entry = AuditLogEntry.objects.get(action="campaign.create")
    assert entry.object_id == str(campaign.pk) and entry.after["markets"] == [ready["market"].pk]
    assert entry.after["schools"] == [school.pk] and entry.actor == planner


def _inactive_school():
    return [SchoolFactory(name="已撤并小学", active=False)]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"name": "  "}, "name", "Give the campaign a name"),
        ({"theme": "fun"}, "theme", "theme"),
        ({"start_date": None}, "start_date", "first day"),
        ({"end_date": dt.date(2026, 11, 30)}, "end_date", "The last day (2026-11-30) is before the first day"),
        ({"end_date": dt.date(2028, 1, 1)}, "end_date", "at most 366 days"),
        ({"playlist": None}, "playlist", "Choose the playlist"),
        ({"reach_target": None}, "reach_target", "reach target"),
        ({"reach_target": 0}, "reach_target", "at least one person"),
        ({"market_scope": "station"}, "market_station", "Choose the station"),
        ({"market_scope": "chosen", "markets": []}, "markets", "at least one market"),
        ({"market_scope": "none", "markets": []}, "market_scope", "A campaign needs a target"),
        ({"visit_rule": "per_month"}, "visits_per_month", "how many visits a month"),
        ({"visit_rule": "daily"}, "visit_rule", "how often"),
        ({"time_of_day": "noon"}, "time_of_day", "time of day"),
        ({"min_broadcast_min": 1.5}, "min_broadcast_min", "less than one loop of the playlist (2.0 minutes)"),
        ({"schools": "inactive"}, "schools", "已撤并小学"),
    ],
)
def test_each_bad_setting_is_refused_with_its_field_and_nothing_is_written(planner, ready, changes, field, words):
    if changes.get("schools") == "inactive":
        changes = {"schools": _inactive_school()}
    with pytest.raises(CampaignInvalid) as caught:
        campaign_create(values=values(ready, **changes), actor=planner)
    assert field in caught.value.errors, caught.value.errors
    assert words in " ".join(caught.value.errors[field])
    assert {"field": field, "message": caught.value.errors[field][0]} in caught.value.details
    assert caught.value.code == "campaign_invalid" and caught.value.http_status == 400
    assert not Campaign.objects.exists() and not AuditLogEntry.objects.filter(action__startswith="campaign").exists()


def test_every_problem_is_reported_at_once(planner, ready):
    with pytest.raises(CampaignInvalid) as caught:
        campaign_create(
            values=values(ready, name="", end_date=dt.date(2026, 11, 1), visit_rule="per_month"), actor=planner
        )
    assert {"name", "end_date", "visits_per_month"} <= set(caught.value.errors)


def test_a_station_without_markets_is_refused_by_name(planner, ready):
    empty = StationFactory(name="东岭派出所")
    with pytest.raises(CampaignInvalid) as caught:
        campaign_create(values=values(ready, market_scope="station", market_station=empty), actor=planner)
    assert "东岭派出所" in caught.value.errors["market_station"][0]


def test_a_duplicate_name_is_refused(planner, ready):
    campaign_create(values=values(ready), actor=planner)
    with pytest.raises(CampaignInvalid) as caught:
        campaign_create(values=values(ready), actor=planner)
    assert "already called" in caught.value.errors["name"][0] and Campaign.objects.count() == 1


def test_a_playlist_with_unapproved_clips_is_refused_naming_them(planner, ready):
    playlist = builders.playlist(
        builders.clip("已审核"), builders.clip("待审核", status="submitted"), builders.clip("草稿", status="draft"),
        name="未就绪",
    )  # fmt: skip
    with pytest.raises(CampaignInvalid) as caught:
        campaign_create(values=values(ready, playlist=playlist), actor=planner)
    message = caught.value.errors["playlist"][0]
    assert "未就绪" in message and "待审核" in message and "草稿" in message and "已审核" not in message
    assert not Campaign.objects.exists()


def test_an_empty_playlist_is_refused(planner, ready):
    from campaigns.models import Playlist

    empty = Playlist.objects.create(name="空")
    with pytest.raises(CampaignInvalid) as caught:
        campaign_create(values=values(ready, playlist=empty), actor=planner)
    assert "no clips" in caught.value.errors["playlist"][0]


def test_settings_the_chosen_rules_do_not_use_are_dropped(planner, ready):
    station = StationFactory()
    campaign = campaign_create(
        values=values(ready, market_scope="all", market_station=station, visits_per_month=3), actor=planner
    )
    assert campaign.market_station is None and campaign.visits_per_month is None
    assert not campaign.markets.exists()


def test_schools_only_and_per_month_rules_are_accepted(planner, ready):
    school = SchoolFactory()
    campaign = campaign_create(
        values=values(ready, market_scope="none", markets=[], schools=[school], visit_rule="per_month",
                      visits_per_month=4),
        actor=planner,
    )  # fmt: skip
    assert campaign.visits_per_month == 4 and list(campaign.schools.all()) == [school]


def test_update_changes_the_settings_with_before_and_after(planner, ready):
    campaign = campaign_create(values=values(ready), actor=planner)
    other = builders.market(name="李村大集")
    campaign_update(
        campaign=campaign,
        values=CampaignInput.of(campaign).replace(reach_target=40000, markets=[ready["market"], other]),
        actor=planner,
    )
    campaign.refresh_from_db()
    assert campaign.reach_target == 40000 and campaign.markets.count() == 2
    entry = AuditLogEntry.objects.get(action="campaign.update")
    assert entry.before["reach_target"] == 30000 and entry.after["reach_target"] == 40000
    assert sorted(entry.after["markets"]) == sorted([ready["market"].pk, other.pk])


def test_a_refused_update_leaves_the_campaign_as_it_was(planner, ready):
    campaign = campaign_create(values=values(ready), actor=planner)
    with pytest.raises(CampaignInvalid):
        campaign_update(
            campaign=campaign,
            values=CampaignInput.of(campaign).replace(reach_target=1, end_date=dt.date(2026, 1, 1)),
            actor=planner,
        )
    campaign.refresh_from_db()
    assert campaign.reach_target == 30000 and campaign.end_date == dt.date(2026, 12, 31)
    assert not AuditLogEntry.objects.filter(action="campaign.update").exists()


def test_a_closed_campaign_cannot_be_changed(planner, ready):
    campaign = campaign_create(values=values(ready), actor=planner)
    Campaign.objects.filter(pk=campaign.pk).update(status="closed")
    with pytest.raises(CampaignInvalid) as caught:
        campaign_update(campaign=campaign, values=CampaignInput.of(campaign), actor=planner)
    assert "closed" in caught.value.errors["status"][0]


def test_leadership_may_not_plan(ready):
    with pytest.raises(NotAllowed):
        campaign_create(values=values(ready), actor=make_user(Role.LEADERSHIP))
    assert not Campaign.objects.exists()


def test_the_default_broadcast_is_the_playlist_twice(ready):
    assert default_broadcast_min(ready["playlist"]) == pytest.approx(4.0)  # (75 + 45) s twice


def test_expected_reach_counts_scheduled_sorties_and_discounts_repeat_visits(ready):
    market = ready["market"]  # 3000 people, 07:00-12:00 (a window of 5 h)
    campaign = builders.campaign(scope="chosen", playlist=ready["playlist"], reach_target=10_000)
    campaign.markets.set([market])
    occurrences_build(campaign=campaign, actor=SYSTEM)
    first, second, third, *_rest = Occurrence.objects.filter(campaign=campaign)
    builders.sortie(first)
    builders.sortie(second)
    builders.sortie(third, status="cancelled")
    reach = campaign_expected_reach(campaign)
    # The playlist twice: 240 s, two full loops; a rural market's dwell 45 min; (240 + 2700) / 18000 of 3000.
    one_visit = int(3000 * (240 + 2700) / 18000)
    assert reach["places"] == [
        {"kind": "market", "id": market.pk, "name": market.name, "visits": 2, "reach": int(one_visit * 1.4)}
    ]
    assert reach["expected"] == int(one_visit * 1.4) and reach["sorties"] == 2 and reach["target"] == 10_000
    assert reach["share_of_target"] == pytest.approx(reach["expected"] / 10_000)
    assert reach["broadcast_s"] == 240 and reach["loop_s"] == 120


def test_expected_reach_uses_the_campaigns_minimum_broadcast(ready):
    campaign = builders.campaign(scope="chosen", playlist=ready["playlist"], min_broadcast_min=7)
    campaign.markets.set([ready["market"]])
    occurrences_build(campaign=campaign, actor=SYSTEM)
    builders.sortie(Occurrence.objects.filter(campaign=campaign).first())
    reach = campaign_expected_reach(campaign)
    # 7 minutes hold three full loops of 2 minutes: 360 s count.
    assert reach["broadcast_s"] == 420 and reach["expected"] == int(3000 * (360 + 2700) / 18000)


def test_no_sorties_no_expected_reach(ready):
    reach = campaign_expected_reach(builders.campaign(playlist=ready["playlist"]))
    assert reach["expected"] == 0 and reach["places"] == [] and reach["sorties"] == 0
