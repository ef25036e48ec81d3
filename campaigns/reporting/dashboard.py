"""Publicity campaigns on the overview: this year's reach against the bureau's target, and today's sorties."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Sortie
from campaigns.reporting import selectors
from common.dashboard import Line, Section, Tile
from common.roles import Capability, can

MAX_LINES = 8


def campaigns_section(*, user, now: dt.datetime) -> Section | None:
    """For users with VIEW_CAMPAIGNS: the year's reach (flown) against ``CAMPAIGN_YEAR_TARGET``, the expected
    reach, and today's sorties (scheduled or flown), one line each. Campaigns are bureau-wide records."""
    if not can(user, Capability.VIEW_CAMPAIGNS):
        return None
    today = timezone.localdate(now)
    year = selectors.year_reach(today.year, today=today)
    share = year["flown_share"]
    sorties = list(selectors.sorties_on(today))
    year_url = reverse("campaigns:reach-year")
    lines = []
    for sortie in sorties[:MAX_LINES]:
        occurrence = sortie.occurrence
        lines.append(
            Line(
                text=_("%(time)s %(place)s · %(pilot)s · %(status)s")
                % {
                    "time": f"{timezone.localtime(sortie.start):%H:%M}",
                    "place": occurrence.market or occurrence.school,
                    "pilot": sortie.pilot,
                    "status": sortie.get_status_display(),
                },
                url=reverse("campaigns:reach-campaign", args=[occurrence.campaign_id]),
                at=sortie.start,
            )
        )
    return Section(
        key="campaigns",
        title=_("Publicity campaigns"),
        url=year_url,
        tiles=[
            Tile(
                key="year_reach",
                label=_("Reached this year"),
                value=year["flown_reach"],
                url=year_url,
                note=_("of %(target)d (%(pct)d%%)") % {"target": year["target"], "pct": round(100 * (share or 0))},
            ),
            Tile(
                key="year_expected",
                label=_("Expected this year"),
                value=year["expected_reach"],
                url=year_url,
                note=_("last year %(reach)d") % {"reach": year["last_year"]},
            ),
            Tile(
                key="sorties_today",
                label=_("Sorties today"),
                value=sum(1 for s in sorties if s.status == Sortie.Status.SCHEDULED),
                url=reverse("campaigns:campaign-list"),
                note=_("%(flown)d flown") % {"flown": sum(1 for s in sorties if s.status == Sortie.Status.FLOWN)},
            ),
        ],
        lines=lines,
        lines_title=_("Today's sorties"),
        lines_empty=_("No sorties today."),
    )
