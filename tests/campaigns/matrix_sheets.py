"""Permission-matrix rows for the day sheets, the pilots' calendar feed, flight applications and "fly this
sortie" (``tests/test_permission_matrix.py``), and the builders the sheet tests share (``sortie_on``).

Reading needs VIEW_CAMPAIGNS (admin, drone operator, leadership, publicity office); the application
workflow PLAN_CAMPAIGNS (admin, drone operator); flying a sortie COMMAND_DRONES as well (the drone
operator only, and only their own sortie of today with an approved application). The calendar feed opens
with its token, whoever asks (calendar apps send no login).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from campaigns.models import Campaign, FlightApplication, Occurrence, Sortie
from campaigns.sheets.services import pilot_calendar_token
from drones.missions.services import mission_save
from drones.models import Drone, Mission, Pilot
from tests.campaigns import builders
from tests.permission_case import Case

ROUTE = [{"lat": 36.1853, "lon": 118.17, "alt_m": 40}, {"lat": 36.1853, "lon": 118.1705, "alt_m": 50}]


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def ready_mission(drone: Drone, actor, *, name: str = "宣传航线") -> Mission:
    """A free mission near the drone's home (36.185, 118.17) that passes the checks."""
    mission = Mission(name=name, kind="free", drone=drone, waypoints=ROUTE, launch_lat=36.185, launch_lon=118.17)
    result = mission_save(mission=mission, actor=actor)
    assert mission.status == "ready", result.as_dict()
    return mission


def sortie_on(
    day: dt.date,
    *,
    pilot: Pilot,
    drone: Drone,
    campaign=None,
    market=None,
    hour: int = 9,
    minutes: int = 20,
    status: str = "scheduled",
    application: str | None = None,
    reference: str = "",
    note: str = "",
    mission: Mission | None = None,
) -> Sortie:
    """A sortie of ``pilot`` with ``drone`` over ``market`` on ``day`` at ``hour`` (local), its mission ready,
    and its application in ``application``'s status when given."""
    campaign = (
        campaign or Campaign.objects.filter(name="Sheet campaign").first() or builders.campaign(name="Sheet campaign")
    )
    market = market or builders.market(f"Sheet market {Occurrence.objects.count()}")
    start = local(day, hour)
    occurrence = Occurrence.objects.create(
        campaign=campaign,
        market=market,
        date=day,
        window_start=start,
        window_end=start + dt.timedelta(hours=2),
        expected_crowd=3000,
        status="scheduled",
    )
    sortie = Sortie.objects.create(
        occurrence=occurrence,
        drone=drone,
        pilot=pilot,
        launch_lat=36.185,
        launch_lon=118.17,
        start=start,
        end=start + dt.timedelta(minutes=minutes),
        battery_packs=2,
        mission=mission if mission is not None else ready_mission(drone, pilot.user),
        status=status,
    )
    if application is not None:
        FlightApplication.objects.create(sortie=sortie, status=application, reference=reference, note=note)
    return sortie


def build(world: dict) -> dict:
    """Today's sortie of the matrix's pilot (the drone operator) with an approved application, and tomorrow's
    sortie whose application is submitted (for approve/refuse) and one that is a draft (for submit)."""
    today = timezone.localdate()
    pilot, drone = world["pilot"], world["drone"]
    # Their own campaign and market: the planning rows expect the matrix campaign to have no occurrence.
    campaign = builders.campaign(name="Sheet matrix campaign", playlist=world["campaign_playlist"])
    market = builders.market("Sheet matrix market")
    flying = sortie_on(
        today, pilot=pilot, drone=drone, campaign=campaign, market=market, application="approved", reference="A-1"
    )
    tomorrow = today + dt.timedelta(days=1)
    submitted = sortie_on(
        tomorrow, pilot=pilot, drone=drone, campaign=campaign, market=market, hour=8, application="submitted"
    )
    draft = sortie_on(
        tomorrow, pilot=pilot, drone=drone, campaign=campaign, market=market, hour=10, application="draft"
    )
    return {
        "sheet_sortie": flying,
        "sheet_submitted": submitted.application,
        "sheet_draft": draft.application,
        "sheet_token": pilot_calendar_token(pilot).token,
    }


def _pk(key: str):
    return lambda w: {"pk": w[key].pk}


PAGE_VIEW = "302 200 403 403 403 200 200 200"  # VIEW_CAMPAIGNS
PAGE_PLAN_DONE = "302 302 403 403 403 302 403 403"  # PLAN_CAMPAIGNS, then back to the list
PAGE_FLY = "302 403 403 403 403 302 403 403"  # COMMAND_DRONES: the drone operator (to the flight page)
PAGE_RENEW = "302 302 403 403 403 302 403 403"  # own link, or a planner's
FEED = "200 200 200 200 200 200 200 200"  # the token is the key
API_VIEW = "401 200 403 403 403 200 200 200"
API_PLAN = "401 200 403 403 403 200 403 403"
API_FLY = "401 403 403 403 403 201 403 403"

CASES: list = [
    Case("campaigns:sheet-day", PAGE_VIEW),
    Case("campaigns:sheet-fly", PAGE_FLY, method="post", kwargs=_pk("sheet_sortie")),
    Case("campaigns:sheet-calendar-token", PAGE_RENEW, method="post", kwargs=_pk("pilot")),
    Case("campaigns:sheet-calendar", FEED, kwargs=lambda w: {"token": w["sheet_token"]}),
    Case("campaigns:application-list", PAGE_VIEW),
    Case(
        "campaigns:application-submit-day",
        PAGE_PLAN_DONE,
        method="post",
        data=lambda w: {"day": (timezone.localdate() + dt.timedelta(days=1)).isoformat()},
    ),
    Case("campaigns:application-submit", PAGE_PLAN_DONE, method="post", kwargs=_pk("sheet_draft")),
    Case(
        "campaigns:application-approve",
        PAGE_PLAN_DONE,
        method="post",
        kwargs=_pk("sheet_submitted"),
        data=lambda w: {"reference": "民航审批-1"},
    ),
    Case(
        "campaigns:application-refuse",
        PAGE_PLAN_DONE,
        method="post",
        kwargs=_pk("sheet_submitted"),
        data=lambda w: {"reason": "airspace closed"},
    ),
    Case("campaigns_api:sheet-day", API_VIEW),
    Case("campaigns_api:sheet-fly", API_FLY, method="post", json=True, kwargs=_pk("sheet_sortie")),
    Case("campaigns_api:application-list", API_VIEW),
    Case(
        "campaigns_api:application-submit-day",
        API_PLAN,
        method="post",
        json=True,
        data=lambda w: {"day": (timezone.localdate() + dt.timedelta(days=1)).isoformat()},
    ),
    Case("campaigns_api:application-submit", API_PLAN, method="post", json=True, kwargs=_pk("sheet_draft")),
    Case(
        "campaigns_api:application-approve",
        API_PLAN,
        method="post",
        json=True,
        kwargs=_pk("sheet_submitted"),
        data=lambda w: {"reference": "民航审批-1"},
    ),
    Case(
        "campaigns_api:application-refuse",
        API_PLAN,
        method="post",
        json=True,
        kwargs=_pk("sheet_submitted"),
        data=lambda w: {"reason": "airspace closed"},
    ),
]
