"""Permission-matrix rows for the reach pages and API (``tests/test_permission_matrix.py``).

Reading needs VIEW_CAMPAIGNS (admin, drone operator, leadership, publicity office); measuring again needs
PLAN_CAMPAIGNS (admin, drone operator). The campaign is the planning matrix's ``campaign``.
"""

from __future__ import annotations

from tests.permission_case import Case


def build(world: dict) -> dict:
    return {}


def _campaign(w) -> dict:
    return {"pk": w["campaign"].pk}


PAGE_VIEW = "302 200 403 403 403 200 200 200"  # VIEW_CAMPAIGNS
PAGE_PLAN_DONE = "302 302 403 403 403 302 403 403"  # PLAN_CAMPAIGNS, redirected back to the reach page
API_VIEW = "401 200 403 403 403 200 200 200"
API_PLAN = "401 200 403 403 403 200 403 403"

CASES: list = [
    Case("campaigns:reach-year", PAGE_VIEW),
    Case("campaigns:reach-campaign", PAGE_VIEW, kwargs=_campaign),
    Case("campaigns:reach-report", PAGE_VIEW, kwargs=_campaign),
    Case("campaigns:reach-export", PAGE_VIEW, kwargs=_campaign),
    Case("campaigns:reach-measure", PAGE_PLAN_DONE, method="post", kwargs=_campaign),
    Case("campaigns_api:reach-year", API_VIEW),
    Case("campaigns_api:reach-campaign", API_VIEW, kwargs=_campaign),
    Case("campaigns_api:reach-measure", API_PLAN, method="post", json=True, kwargs=_campaign),
]
