"""A campaign's occurrences: every market session and school dismissal window in its period.

Markets meet on lunar days (大集, e.g. 逢一六) or weekdays (夜市); ``drones.missions.markets`` knows
their sessions. A campaign's time of day narrows each session to the broadcast window: the morning peak
of a rural market (from opening to ``MORNING_PEAK_END``), the evening of a night market (sessions that
open at or after ``EVENING_START``), or the whole session. Schools are patrolled at dismissal: their
school days come from the school calendar (terms, the State Council's holidays and make-up days, the
county's overrides, the school's closures) and the dismissal window from their bell times
(``patrol.schedule.windows``).

Each occurrence carries its expected crowd: the market's attendance per session, or the school's
pupils. A market without an attendance refuses the build: the reach estimate would be invented.

``occurrences_build`` is idempotent: occurrences that still exist are kept (with their sorties),
changed windows are updated, and occurrences no longer in the period or the targets are removed unless
a sortie was already flown for them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.models import Campaign, Occurrence, Sortie
from campus.calendar.days import calendar_days
from campus.calendar.models import Term
from campus.models import School
from common.audit import audit_record
from common.errors import DomainError
from drones.missions.markets import market_sessions
from drones.models import Market
from patrol.schedule.windows import duty_windows

CHINA_TZ = ZoneInfo("Asia/Shanghai")
MORNING_PEAK_END = dt.time(11, 0)
EVENING_START = dt.time(16, 0)
DISMISSAL_KINDS = ("dismissal", "noon_dismissal")


class OccurrenceError(DomainError):
    code = "occurrences_invalid"


@dataclass(frozen=True)
class Candidate:
    """One occurrence as computed, before it is matched with the stored ones."""

    market_id: int | None
    school_id: int | None
    date: dt.date
    window_start: dt.datetime
    window_end: dt.datetime
    expected_crowd: int

    @property
    def key(self) -> tuple:
        return (self.market_id, self.school_id, self.window_start)


@dataclass
class BuildResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    kept_flown: int = 0
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "kept_flown": self.kept_flown,
            "warnings": self.warnings,
        }


def campaign_markets(campaign: Campaign) -> list[Market]:
    """The markets a campaign targets, by its scope."""
    scope = campaign.market_scope
    if scope == Campaign.MarketScope.NONE:
        return []
    if scope == Campaign.MarketScope.ALL:
        return list(Market.objects.order_by("name", "id"))
    if scope == Campaign.MarketScope.STATION:
        return list(Market.objects.filter(station=campaign.market_station).order_by("name", "id"))
    return list(campaign.markets.order_by("name", "id"))


def _period(campaign: Campaign) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(campaign.start_date, dt.time(0, 0), tzinfo=CHINA_TZ)
    end = dt.datetime.combine(campaign.end_date + dt.timedelta(days=1), dt.time(0, 0), tzinfo=CHINA_TZ)
    return start, end


def broadcast_window(
    campaign: Campaign, opens: dt.datetime, closes: dt.datetime
) -> tuple[dt.datetime, dt.datetime] | None:
    """The part of a market session the campaign broadcasts in, or None when its time of day excludes it."""
    if campaign.time_of_day == Campaign.TimeOfDay.MORNING:
        if opens.timetz().replace(tzinfo=None) >= MORNING_PEAK_END:
            return None
        peak_end = opens.replace(hour=MORNING_PEAK_END.hour, minute=MORNING_PEAK_END.minute)
        return opens, min(closes, peak_end)
    if campaign.time_of_day == Campaign.TimeOfDay.EVENING:
        if opens.timetz().replace(tzinfo=None) < EVENING_START:
            return None
    return opens, closes


def market_candidates(campaign: Campaign, markets: list[Market]) -> list[Candidate]:
    start, end = _period(campaign)
    missing = [m.name for m in markets if not m.attendance]
    if missing:
        raise OccurrenceError(
            _("These markets have no expected attendance, so no reach can be estimated: %(markets)s.")
            % {"markets": ", ".join(missing)},
            details=[{"field": "attendance", "market": name} for name in missing],
        )
    result = []
    for market in markets:
        for opens, closes in market_sessions(market, start, end):
            if opens < start:  # yesterday's session running past midnight belongs to the day before
                continue
            window = broadcast_window(campaign, opens, closes)
            if window is None:
                continue
            result.append(Candidate(market.id, None, opens.date(), window[0], window[1], int(market.attendance or 0)))
    return result


def _school_days(school: School, start: dt.date, end: dt.date) -> list[dt.date]:
    """The school's days with pupils at school, inside a term, between ``start`` and ``end``."""
    terms = Term.objects.filter(start_date__lte=end, end_date__gte=start).order_by("start_date")
    days: list[dt.date] = []
    for term in terms:
        first, last = max(start, term.start_date), min(end, term.end_date)
        report = calendar_days(start=first, end=last, school=school)
        days += [d.date for d in report.days if d.is_school_day]
    return sorted(set(days))


def school_candidates(campaign: Campaign, schools: list[School]) -> list[Candidate]:
    result = []
    for school in schools:
        for day in _school_days(school, campaign.start_date, campaign.end_date):
            for kind, opens, closes in duty_windows(school=school, day=day):
                if kind in DISMISSAL_KINDS:
                    result.append(Candidate(None, school.id, day, opens, closes, int(school.pupils or 0)))
    return result


def campaign_candidates(campaign: Campaign) -> list[Candidate]:
    """Every occurrence the campaign's period and targets give, in time order."""
    candidates = market_candidates(campaign, campaign_markets(campaign))
    candidates += school_candidates(campaign, list(campaign.schools.filter(active=True).order_by("name", "id")))
    return sorted(candidates, key=lambda c: (c.window_start, c.market_id or 0, c.school_id or 0))


def check_occurrences_build(*, campaign: Campaign) -> list[Candidate]:
    candidates = campaign_candidates(campaign)
    if not candidates:
        raise OccurrenceError(
            _(
                "No market session or school dismissal falls in %(first)s – %(last)s for this campaign's "
                "targets and time of day: widen the period, add targets or change the time of day."
            )
            % {"first": campaign.start_date.isoformat(), "last": campaign.end_date.isoformat()},
            details=[{"field": "end_date"}],
        )
    return candidates


@transaction.atomic
def occurrences_build(*, campaign: Campaign, actor) -> BuildResult:
    """Create, update and remove the campaign's occurrences to match its period and targets."""
    candidates = check_occurrences_build(campaign=campaign)
    result = BuildResult()
    existing = {
        (o.market_id, o.school_id, o.window_start): o
        for o in Occurrence.objects.select_for_update().filter(campaign=campaign)
    }
    wanted = {c.key: c for c in candidates}
    to_create = []
    for key, cand in wanted.items():
        occurrence = existing.get(key)
        if occurrence is None:
            to_create.append(
                Occurrence(
                    campaign=campaign,
                    market_id=cand.market_id,
                    school_id=cand.school_id,
                    date=cand.date,
                    window_start=cand.window_start,
                    window_end=cand.window_end,
                    expected_crowd=cand.expected_crowd,
                )
            )
            continue
        if (occurrence.window_end, occurrence.expected_crowd, occurrence.date) != (
            cand.window_end,
            cand.expected_crowd,
            cand.date,
        ):
            occurrence.window_end, occurrence.expected_crowd, occurrence.date = (
                cand.window_end,
                cand.expected_crowd,
                cand.date,
            )
            occurrence.save(update_fields=["window_end", "expected_crowd", "date"])
            result.updated += 1
        else:
            result.unchanged += 1
    Occurrence.objects.bulk_create(to_create, batch_size=500)
    result.created = len(to_create)
    gone = [o for key, o in existing.items() if key not in wanted]
    flown = set(
        Sortie.objects.filter(occurrence__in=gone, status=Sortie.Status.FLOWN).values_list("occurrence_id", flat=True)
    )
    removable = [o.id for o in gone if o.id not in flown]
    Occurrence.objects.filter(id__in=removable).delete()
    result.removed = len(removable)
    result.kept_flown = len(flown)
    if flown:
        result.warnings.append(
            _("%(count)d flown occurrences are outside the campaign's period or targets now; they are kept.")
            % {"count": len(flown)}
        )
    audit_record(actor=actor, action="campaign.occurrences_build", obj=campaign, after=result.as_dict())
    return result


def occurrences_in(campaign: Campaign, *, first: dt.date | None = None, last: dt.date | None = None):
    """The campaign's occurrences, optionally between two dates, with their places."""
    qs = Occurrence.objects.filter(campaign=campaign).select_related("market", "school")
    if first:
        qs = qs.filter(date__gte=first)
    if last:
        qs = qs.filter(date__lte=last)
    return qs


__all__ = [
    "BuildResult",
    "Candidate",
    "OccurrenceError",
    "campaign_candidates",
    "campaign_markets",
    "check_occurrences_build",
    "occurrences_build",
    "occurrences_in",
]
