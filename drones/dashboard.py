"""Police drones on the overview dashboard: the fleet live now, today's flights, what stops a flight
(pilot licences, worn-out batteries), and the market sessions publicity flights are planned around."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.dashboard import Line, Section, Tile, level_if
from common.roles import Capability, can
from drones import selectors
from drones.airspace.selectors import market_list
from drones.missions.markets import next_sessions
from drones.models import Battery, Drone, Flight, Mission, Pilot

LICENCE_WARNING_DAYS = 30
MARKET_HORIZON_DAYS = 7
MAX_MARKET_LINES = 8


def drones_section(*, user, now: dt.datetime) -> Section | None:
    """The drone fleet for anyone who may view drones (administrators, drone operators, leadership).

    The fleet is not scoped per user: every such user sees every drone, pilot, battery, mission and
    market, as on the fleet pages. Counts:

    - drones online and drones armed now, from the live state the telemetry bridge last published
      (the cache the fleet list reads, one round trip; never the vehicles), among drones not retired.
      The live state carries no "in the air" flag, so armed stands for it, as on the live map;
      armed with the link lost is an alert;
    - flights started today (local day of ``now``), and flights under way now by their record;
    - missions that passed their checks (ready to fly), with the rejected ones as a note;
    - pilot licences expired or expiring within 30 days of today; an alert when an expired pilot has
      opened a flight today (missions carry no pilot, so that is the only plan per pilot known);
    - batteries in service at or over their cycle limit.

    Lines: every market session (大集, 夜市) running now or starting within the next 7 days.
    """
    if not can(user, Capability.VIEW_DRONES):
        return None
    today = timezone.localdate(now)
    day_start = dt.datetime.combine(today, dt.time.min, tzinfo=timezone.get_current_timezone())
    day_end = day_start + dt.timedelta(days=1)
    return Section(
        key="drones",
        title=_("Police drones"),
        url=reverse("drones:fleet_list"),
        tiles=[
            *_live_tiles(),
            _flights_tile(day_start, day_end),
            _missions_tile(),
            _licences_tile(today, day_start),
            _batteries_tile(),
        ],
        lines=_market_lines(now),
        lines_title=_("Market sessions in the next 7 days"),
        lines_empty=_("No market sessions in the next 7 days."),
    )


def _live_tiles() -> list[Tile]:
    drones = selectors.drones_with_live_state(Drone.objects.exclude(status=Drone.Status.RETIRED).only("id"))
    states = [d.live for d in drones if d.live is not None]
    online = sum(1 for s in states if s.get("link_ok"))
    armed = [s for s in states if s.get("armed")]
    armed_link_lost = sum(1 for s in armed if not s.get("link_ok"))
    url = reverse("drones:live_map")
    return [
        Tile(
            key="online",
            label=_("Drones online"),
            value=online,
            url=url,
            note=_("of %(total)d in the fleet") % {"total": len(drones)},
        ),
        Tile(
            key="armed",
            label=_("Armed now"),
            value=len(armed),
            url=url,
            level=level_if(armed_link_lost, "alert"),
            note=_("%(count)d with the link lost") % {"count": armed_link_lost} if armed_link_lost else "",
        ),
    ]


def _flights_tile(day_start: dt.datetime, day_end: dt.datetime) -> Tile:
    counts = Flight.objects.aggregate(
        today=Count("id", filter=Q(started_at__gte=day_start, started_at__lt=day_end)),
        active=Count("id", filter=Q(status__in=Flight.ACTIVE)),
    )
    return Tile(
        key="flights_today",
        label=_("Flights today"),
        value=counts["today"],
        url=reverse("drones:flight_list"),
        note=_("%(count)d under way") % {"count": counts["active"]} if counts["active"] else "",
    )


def _missions_tile() -> Tile:
    counts = Mission.objects.aggregate(
        ready=Count("id", filter=Q(status=Mission.Status.READY)),
        rejected=Count("id", filter=Q(status=Mission.Status.REJECTED)),
    )
    return Tile(
        key="missions_ready",
        label=_("Missions ready to fly"),
        value=counts["ready"],
        url=reverse("drones:mission_list"),
        note=_("%(count)d rejected by the checks") % {"count": counts["rejected"]} if counts["rejected"] else "",
    )


def _licences_tile(today: dt.date, day_start: dt.datetime) -> Tile:
    # Expired means the day after ``licence_expiry``, as ``Pilot.licence_valid`` and the preflight check say.
    expired = Q(licence_expiry__lt=today)
    opened_today = Flight.objects.filter(
        status__in=[Flight.Status.PREFLIGHT, *Flight.ACTIVE], created_at__gte=day_start
    ).values("pilot_id")
    counts = Pilot.objects.aggregate(
        expired=Count("id", filter=expired),
        expiring=Count(
            "id",
            filter=Q(licence_expiry__gte=today, licence_expiry__lte=today + dt.timedelta(days=LICENCE_WARNING_DAYS)),
        ),
        expired_flying=Count("id", filter=expired & Q(user_id__in=opened_today)),
    )
    if counts["expired_flying"]:
        note = _("%(expired)d expired, %(flying)d of them with a flight open today") % {
            "expired": counts["expired"],
            "flying": counts["expired_flying"],
        }
    elif counts["expired"]:
        note = _("%(expired)d expired") % {"expired": counts["expired"]}
    else:
        note = ""
    return Tile(
        key="licences",
        label=_("Pilot licences expired or expiring within 30 days"),
        value=counts["expired"] + counts["expiring"],
        url=reverse("drones:pilot_list"),
        level="alert" if counts["expired_flying"] else level_if(counts["expired"] + counts["expiring"]),
        note=note,
    )


def _batteries_tile() -> Tile:
    # The rule of ``Battery.worn_out``, among batteries still in service (the list shows retired ones as retired).
    worn_out = Battery.objects.filter(retired=False, cycles__gte=F("max_cycles")).count()
    return Tile(
        key="batteries_worn_out",
        label=_("Batteries over their cycle limit"),
        value=worn_out,
        url=reverse("drones:battery_list"),
        level=level_if(worn_out),
    )


def _market_lines(now: dt.datetime) -> list[Line]:
    """Sessions running at ``now`` or starting in the next 7 days, earliest first, as the markets page finds them."""
    sessions = []
    for market in market_list():
        for opens, closes in next_sessions(market, now, count=MAX_MARKET_LINES, horizon_days=MARKET_HORIZON_DAYS):
            sessions.append((opens, market.name, closes, market))
    sessions.sort(key=lambda s: (s[0], s[1]))
    lines = []
    for opens, _name, closes, market in sessions[:MAX_MARKET_LINES]:
        values = {"market": market.name, "kind": market.get_kind_display(), "closes": f"{closes:%H:%M}"}
        if opens <= now:
            text = _("%(market)s, %(kind)s: in session now, until %(closes)s") % values
        else:
            text = _("%(market)s, %(kind)s, until %(closes)s") % values
        lines.append(Line(text=text, url=reverse("drones:market_detail", args=[market.pk]), at=opens))
    return lines
