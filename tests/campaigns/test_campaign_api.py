"""The campaign planning API: create and update with errors by field, building occurrences, the occurrence
list with its filters; leadership reads and changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from campaigns.models import Campaign, Occurrence
from campaigns.planning.occurrences import occurrences_build
from common.models import AuditLogEntry
from common.roles import SYSTEM, Role
from tests.campaigns import builders
from tests.factories import SchoolFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    client = APIClient()
    client.force_authenticate(make_user(Role.DRONE_OPERATOR, username="planner"))
    return client


@pytest.fixture
def ready():
    playlist = builders.playlist(builders.clip("不听"), builders.clip("不信", duration_s=45.0), name="反诈两段")
    return {"playlist": playlist, "market": builders.market()}


def body(ready, **changes) -> dict:
    return {
        "name": "反诈宣传进大集",
        "theme": "anti_fraud",
        "start_date": "2026-12-01",
        "end_date": "2026-12-31",
        "playlist": ready["playlist"].pk,
        "reach_target": 30000,
        "market_scope": "chosen",
        "markets": [ready["market"].pk],
        **changes,
    }


def test_create_returns_the_campaign_with_its_defaults(api, ready):
    response = api.post(reverse("campaigns_api:campaign-list"), body(ready), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["name"] == "反诈宣传进大集" and data["status"] == "draft" and data["markets"] == [ready["market"].pk]
    assert data["visit_rule"] == "every_session" and data["time_of_day"] == "any"
    assert data["broadcast_min"] == 4.0 and data["min_broadcast_min"] is None
    assert data["occurrence_counts"]["open"] == 0 and data["expected_reach"]["expected"] == 0
    assert AuditLogEntry.objects.filter(action="campaign.create").count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"end_date": "2026-11-01"}, "end_date"),
        ({"visit_rule": "per_month"}, "visits_per_month"),
        ({"market_scope": "station"}, "market_station"),
        ({"market_scope": "none", "markets": []}, "market_scope"),
        ({"name": ""}, "name"),
    ],
)
def test_a_refused_create_names_the_field_and_writes_nothing(api, ready, changes, field):
    response = api.post(reverse("campaigns_api:campaign-list"), body(ready, **changes), format="json")
    assert response.status_code == 400
    data = response.json()
    if "code" in data:
        assert data["code"] == "campaign_invalid" and field in {e["field"] for e in data["errors"]}
        assert field in data["detail"]
    else:  # refused by the serializer (a blank name)
        assert field in data
    assert not Campaign.objects.exists()


def test_missing_required_settings_are_named(api):
    response = api.post(reverse("campaigns_api:campaign-list"), {}, format="json")
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"name", "theme", "start_date", "end_date", "playlist", "reach_target"} <= fields


def test_a_playlist_not_ready_is_refused(api, ready):
    waiting = builders.playlist(builders.clip("新录音", status="returned"), name="待审")
    response = api.post(reverse("campaigns_api:campaign-list"), body(ready, playlist=waiting.pk), format="json")
    assert response.status_code == 400
    (error,) = [e for e in response.json()["errors"] if e["field"] == "playlist"]
    assert "新录音" in error["message"]


def test_patch_changes_only_what_is_sent(api, ready):
    school = SchoolFactory()
    campaign = builders.campaign(scope="chosen", playlist=ready["playlist"])
    campaign.markets.set([ready["market"]])
    url = reverse("campaigns_api:campaign-detail", args=[campaign.pk])
    response = api.patch(url, {"reach_target": 80000, "schools": [school.pk]}, format="json")
    assert response.status_code == 200, response.json()
    campaign.refresh_from_db()
    assert campaign.reach_target == 80000 and list(campaign.schools.all()) == [school]
    assert list(campaign.markets.all()) == [ready["market"]] and campaign.name == "反诈宣传进大集"
    refused = api.patch(url, {"visit_rule": "per_month"}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "visits_per_month"
    campaign.refresh_from_db()
    assert campaign.visit_rule == "every_session"


def test_build_occurrences_returns_the_counts(api, ready):
    campaign = builders.campaign(scope="chosen", playlist=ready["playlist"])
    campaign.markets.set([ready["market"]])
    response = api.post(reverse("campaigns_api:campaign-build", args=[campaign.pk]))
    assert response.status_code == 200
    n = Occurrence.objects.filter(campaign=campaign).count()
    assert response.json() == {
        "created": n,
        "updated": 0,
        "unchanged": 0,
        "removed": 0,
        "kept_flown": 0,
        "warnings": [],
    }


def test_build_refusal_is_a_domain_error(api, ready):
    builders.market(name="无人数大集", attendance=None)
    campaign = builders.campaign(scope="all", playlist=ready["playlist"])
    response = api.post(reverse("campaigns_api:campaign-build", args=[campaign.pk]))
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "occurrences_invalid" and "无人数大集" in data["detail"]
    assert not Occurrence.objects.exists()


def test_the_occurrence_list_filters_and_paginates(api, ready):
    campaign = builders.campaign(scope="chosen", playlist=ready["playlist"])
    campaign.markets.set([ready["market"]])
    occurrences_build(campaign=campaign, actor=SYSTEM)
    first = Occurrence.objects.filter(campaign=campaign).first()
    builders.sortie(first)
    Occurrence.objects.filter(pk=first.pk).update(status="scheduled")
    url = reverse("campaigns_api:campaign-occurrences", args=[campaign.pk])
    data = api.get(url, {"limit": 2}).json()
    assert data["count"] == Occurrence.objects.filter(campaign=campaign).count() and len(data["results"]) == 2
    row = data["results"][0]
    assert row["market_name"] == "王庄大集" and row["school"] is None and row["expected_crowd"] == 3000
    assert row["sortie"]["drone_name"] == "宣传一号" and row["sortie"]["pilot_name"] == "pub-pilot (UAS-PUB-1)"
    scheduled = api.get(url, {"status": "scheduled"}).json()
    assert [r["id"] for r in scheduled["results"]] == [first.pk]
    by_date = api.get(url, {"from": first.date.isoformat(), "to": first.date.isoformat()}).json()
    assert [r["id"] for r in by_date["results"]] == [first.pk]
    bad = api.get(url, {"to": "2026-02-30", "place": "river:1"})
    assert bad.status_code == 400 and set(bad.json()) >= {"to", "place"}


def test_leadership_reads_everything_and_changes_nothing(ready):
    campaign = builders.campaign(scope="chosen", playlist=ready["playlist"])
    campaign.markets.set([ready["market"]])
    client = APIClient()
    client.force_authenticate(make_user(Role.LEADERSHIP))
    assert client.get(reverse("campaigns_api:campaign-list")).status_code == 200
    detail = client.get(reverse("campaigns_api:campaign-detail", args=[campaign.pk]))
    assert detail.status_code == 200 and detail.json()["expected_reach"]["target"] == 50_000
    assert client.get(reverse("campaigns_api:campaign-occurrences", args=[campaign.pk])).status_code == 200
    assert client.post(reverse("campaigns_api:campaign-build", args=[campaign.pk])).status_code == 403
    url = reverse("campaigns_api:campaign-detail", args=[campaign.pk])
    assert client.patch(url, {"reach_target": 1}, format="json").status_code == 403
    assert client.post(reverse("campaigns_api:campaign-list"), body(ready, name="x"), format="json").status_code == 403
    assert not Occurrence.objects.exists() and Campaign.objects.get().reach_target == 50_000


def test_schedule_refusals_are_domain_errors(api, ready):
    campaign = builders.campaign(scope="chosen", playlist=ready["playlist"])
    campaign.markets.set([ready["market"]])
    url = reverse("campaigns_api:campaign-schedule", args=[campaign.pk])
    response = api.post(url, {}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "no_occurrences"
    response = api.post(url, {"first": "2027-03-01"}, format="json")
    assert response.status_code == 400 and response.json()["errors"] == [{"field": "first"}]
    response = api.post(url, {"replan": True}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "reason_required"
