"""Permission-matrix rows for the campaign planning pages and API (``tests/test_permission_matrix.py``).

Reading needs VIEW_CAMPAIGNS (admin, drone operator, leadership); every write PLAN_CAMPAIGNS (admin, drone
operator): leadership reads everything and changes nothing. The campaign targets one chosen market that
has an attendance, so building its occurrences succeeds.
"""

from __future__ import annotations

import datetime as dt

from drones.models import Market
from tests.campaigns import builders
from tests.permission_case import Case

STREET = {"type": "LineString", "coordinates": [[118.17, 36.18], [118.172, 36.181]]}


def build(world: dict) -> dict:
    market = Market.objects.create(
        name="Matrix market", kind="rural", lunar_days=[1, 6, 11, 16, 21, 26], street=STREET, attendance=2000
    )
    playlist = builders.playlist(builders.clip("Matrix clip"), name="Matrix playlist")
    campaign = builders.campaign(name="Matrix campaign", scope="chosen", playlist=playlist)
    campaign.markets.set([market])
    return {"campaign_market": market, "campaign_playlist": playlist, "campaign": campaign}


def _campaign(w) -> dict:
    return {"pk": w["campaign"].pk}


def _new_campaign(w) -> dict:
    return {
        "name": "Matrix new campaign",
        "theme": "anti_fraud",
        "start_date": dt.date(2026, 12, 1).isoformat(),
        "end_date": dt.date(2026, 12, 31).isoformat(),
        "playlist": w["campaign_playlist"].pk,
        "reach_target": 1000,
        "market_scope": "chosen",
        "markets": [w["campaign_market"].pk],
        "visit_rule": "every_session",
        "time_of_day": "any",
    }


def _edit_campaign(w) -> dict:
    return {**_new_campaign(w), "name": "Matrix campaign (edited)"}


PAGE_VIEW = "302 200 403 403 403 200 200 200"  # VIEW_CAMPAIGNS
PAGE_PLAN = "302 200 403 403 403 200 403 403"  # PLAN_CAMPAIGNS
PAGE_PLAN_DONE = "302 302 403 403 403 302 403 403"
API_VIEW = "401 200 403 403 403 200 200 200"
API_CREATED = "401 201 403 403 403 201 403 403"
API_PLAN = "401 200 403 403 403 200 403 403"
API_REFUSED = "401 400 403 403 403 400 403 403"

CASES: list = [
    Case("campaigns:campaign-list", PAGE_VIEW),
    Case("campaigns:campaign-detail", PAGE_VIEW, kwargs=_campaign),
    Case("campaigns:campaign-occurrences", PAGE_VIEW, kwargs=_campaign),
    Case("campaigns:campaign-new", PAGE_PLAN),
    Case("campaigns:campaign-new", PAGE_PLAN_DONE, method="post", data=_new_campaign, label="save"),
    Case("campaigns:campaign-edit", PAGE_PLAN, kwargs=_campaign),
    Case("campaigns:campaign-edit", PAGE_PLAN_DONE, method="post", kwargs=_campaign, data=_edit_campaign, label="save"),
    Case("campaigns:campaign-build", PAGE_PLAN_DONE, method="post", kwargs=_campaign),
    Case("campaigns:campaign-schedule", PAGE_PLAN_DONE, method="post", kwargs=_campaign),
    Case("campaigns_api:campaign-list", API_VIEW),
    Case("campaigns_api:campaign-list", API_CREATED, method="post", json=True, data=_new_campaign, label="create"),
    Case("campaigns_api:campaign-detail", API_VIEW, kwargs=_campaign),
    Case(
        "campaigns_api:campaign-detail",
        API_PLAN,
        method="patch",
        json=True,
        kwargs=_campaign,
        data=lambda w: {"reach_target": 2000},
        label="update",
    ),
    Case("campaigns_api:campaign-build", API_PLAN, method="post", json=True, kwargs=_campaign),
    # No occurrence is built in the matrix's world: planners are answered 400 (nothing to plan), not 403.
    Case("campaigns_api:campaign-schedule", API_REFUSED, method="post", json=True, kwargs=_campaign, data=lambda w: {}),
    Case("campaigns_api:campaign-occurrences", API_VIEW, kwargs=_campaign),
]
