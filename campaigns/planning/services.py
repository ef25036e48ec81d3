"""Writes for campaigns: create and edit a campaign's settings (``campaign_create``, ``campaign_update``).

``check_campaign`` validates everything first and raises ``CampaignInvalid`` with every problem by
field, so the form and the API show each message where it belongs and nothing is written. The playlist
must be ready to broadcast (every clip approved); a rule that needs a value (a station for "one station's
area", N for "N times a month", chosen markets) is refused without it; a campaign needs a target.

Occurrences are not touched here: after an edit of the period, targets or time of day, the operator
builds them again (``campaigns.planning.occurrences.occurrences_build``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from campaigns.models import Campaign, Playlist, Theme
from campaigns.planning.selectors import playlist_loop_s, playlist_ready
from campus.models import School, Station
from common.audit import audit_record
from common.errors import DomainError, NotAllowed
from common.roles import Capability, can
from drones.models import Market

# A campaign is planned for a season, not for years: longer periods are a typing mistake.
MAX_PERIOD_DAYS = 366


class CampaignInvalid(DomainError):
    """The campaign's settings break a rule; ``errors`` maps each field to its messages."""

    code = "campaign_invalid"

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        message = "; ".join(f"{name}: {' '.join(found)}" for name, found in errors.items())
        super().__init__(
            message, details=[{"field": name, "message": text} for name, found in errors.items() for text in found]
        )


@dataclass
class CampaignInput:
    """A campaign's settings as given by a form or the API (the models as chosen, not their ids)."""

    name: str
    theme: str
    start_date: dt.date | None
    end_date: dt.date | None
    playlist: Playlist | None
    reach_target: int | None
    market_scope: str = Campaign.MarketScope.ALL
    market_station: Station | None = None
    markets: Sequence[Market] = field(default_factory=list)
    schools: Sequence[School] = field(default_factory=list)
    visit_rule: str = Campaign.VisitRule.EVERY_SESSION
    visits_per_month: int | None = None
    min_broadcast_min: float | None = None
    time_of_day: str = Campaign.TimeOfDay.ANY

    @classmethod
    def of(cls, campaign: Campaign) -> CampaignInput:
        """The stored settings of ``campaign`` (for a partial update: replace what changes)."""
        return cls(
            name=campaign.name,
            theme=campaign.theme,
            start_date=campaign.start_date,
            end_date=campaign.end_date,
            playlist=campaign.playlist,
            reach_target=campaign.reach_target,
            market_scope=campaign.market_scope,
            market_station=campaign.market_station,
            markets=list(campaign.markets.all()),
            schools=list(campaign.schools.all()),
            visit_rule=campaign.visit_rule,
            visits_per_month=campaign.visits_per_month,
            min_broadcast_min=campaign.min_broadcast_min,
            time_of_day=campaign.time_of_day,
        )

    def replace(self, **changes) -> CampaignInput:
        return dataclasses.replace(self, **changes)


def _require_plan(actor) -> None:
    if not can(actor, Capability.PLAN_CAMPAIGNS):
        raise NotAllowed(_("You may not plan publicity campaigns."))


def _normalized(values: CampaignInput) -> CampaignInput:
    """Drop what the chosen rules do not use (a station with "all markets", N with "every session")."""
    scope = values.market_scope
    return values.replace(
        name=(values.name or "").strip(),
        market_station=values.market_station if scope == Campaign.MarketScope.STATION else None,
        markets=list(values.markets) if scope == Campaign.MarketScope.CHOSEN else [],
        visits_per_month=values.visits_per_month if values.visit_rule == Campaign.VisitRule.PER_MONTH else None,
        schools=list(values.schools),
    )


def _check_period(values: CampaignInput, errors: dict[str, list[str]]) -> None:
    if values.start_date is None:
        errors.setdefault("start_date", []).append(_("Give the campaign's first day."))
    if values.end_date is None:
        errors.setdefault("end_date", []).append(_("Give the campaign's last day."))
    if values.start_date and values.end_date:
        if values.end_date < values.start_date:
            errors.setdefault("end_date", []).append(
                _("The last day (%(last)s) is before the first day (%(first)s).")
                % {"last": values.end_date.isoformat(), "first": values.start_date.isoformat()}
            )
        elif (values.end_date - values.start_date).days + 1 > MAX_PERIOD_DAYS:
            errors.setdefault("end_date", []).append(
                _("A campaign lasts at most %(days)d days; split a longer one.") % {"days": MAX_PERIOD_DAYS}
            )


def _check_playlist(values: CampaignInput, errors: dict[str, list[str]]) -> None:
    if values.playlist is None:
        errors.setdefault("playlist", []).append(_("Choose the playlist to broadcast."))
        return
    ready, problems = playlist_ready(values.playlist)
    if not ready:
        errors.setdefault("playlist", []).append(
            _("The playlist “%(name)s” cannot be broadcast yet: %(problems)s")
            % {"name": values.playlist.name, "problems": " ".join(str(p) for p in problems)}
        )
        return
    if values.min_broadcast_min:
        loop_min = playlist_loop_s(values.playlist) / 60.0
        if values.min_broadcast_min + 1e-9 < loop_min:
            errors.setdefault("min_broadcast_min", []).append(
                _(
                    "%(minutes)s minutes is less than one loop of the playlist (%(loop).1f minutes): only full "
                    "loops reach people. Give at least %(loop).1f, or leave it empty for the playlist twice."
                )
                % {"minutes": f"{values.min_broadcast_min:g}", "loop": loop_min}
            )


def _check_targets(values: CampaignInput, errors: dict[str, list[str]]) -> None:
    scope = values.market_scope
    if scope not in Campaign.MarketScope.values:
        errors.setdefault("market_scope", []).append(_("Choose which markets the campaign targets."))
        return
    if scope == Campaign.MarketScope.STATION:
        if values.market_station is None:
            errors.setdefault("market_station", []).append(_("Choose the station whose markets the campaign targets."))
        elif not Market.objects.filter(station=values.market_station).exists():
            errors.setdefault("market_station", []).append(
                _("No market lies in the area of %(station)s; choose another station or the markets themselves.")
                % {"station": values.market_station.name}
            )
    if scope == Campaign.MarketScope.CHOSEN and not values.markets:
        errors.setdefault("markets", []).append(_("Choose at least one market, or another market option."))
    if scope == Campaign.MarketScope.ALL and not Market.objects.exists():
        errors.setdefault("market_scope", []).append(_("No market is registered yet (Drones › Airspace)."))
    inactive = [s.name for s in values.schools if not s.active]
    if inactive:
        errors.setdefault("schools", []).append(
            _("These schools are not active: %(schools)s.") % {"schools": ", ".join(inactive)}
        )
    if scope == Campaign.MarketScope.NONE and not values.schools:
        errors.setdefault("market_scope", []).append(
            _("A campaign needs a target: choose markets, schools for dismissal patrols, or both.")
        )


def _check_rules(values: CampaignInput, errors: dict[str, list[str]]) -> None:
    if values.visit_rule not in Campaign.VisitRule.values:
        errors.setdefault("visit_rule", []).append(_("Choose how often each market is visited."))
    elif values.visit_rule == Campaign.VisitRule.PER_MONTH and not values.visits_per_month:
        errors.setdefault("visits_per_month", []).append(
            _("Give how many visits a month (1 to 31) for “N times a month”.")
        )
    if values.time_of_day not in Campaign.TimeOfDay.values:
        errors.setdefault("time_of_day", []).append(_("Choose the time of day."))
    if values.reach_target is None:
        errors.setdefault("reach_target", []).append(_("Give the reach target (people)."))
    elif values.reach_target <= 0:
        errors.setdefault("reach_target", []).append(_("The reach target must be at least one person."))


def check_campaign(*, values: CampaignInput, actor, campaign: Campaign | None = None) -> CampaignInput:
    """Everything a create or an edit needs, checked at once; returns the settings as they will be stored."""
    _require_plan(actor)
    if campaign is not None and campaign.status == Campaign.Status.CLOSED:
        raise CampaignInvalid({"status": [_("The campaign is closed; it can no longer be changed.")]})
    values = _normalized(values)
    errors: dict[str, list[str]] = {}
    if not values.name:
        errors.setdefault("name", []).append(_("Give the campaign a name."))
    elif Campaign.objects.filter(name=values.name).exclude(pk=campaign.pk if campaign else None).exists():
        errors.setdefault("name", []).append(
            _("Another campaign is already called “%(name)s”.") % {"name": values.name}
        )
    if values.theme not in Theme.values:
        errors.setdefault("theme", []).append(_("Choose the campaign's theme."))
    _check_period(values, errors)
    _check_playlist(values, errors)
    _check_targets(values, errors)
    _check_rules(values, errors)
    if errors:
        raise CampaignInvalid(errors)
    return values


SETTINGS_FIELDS = (
    "name",
    "theme",
    "start_date",
    "end_date",
    "playlist",
    "reach_target",
    "market_scope",
    "market_station",
    "visit_rule",
    "visits_per_month",
    "min_broadcast_min",
    "time_of_day",
)


def _snapshot(campaign: Campaign) -> dict:
    data = {name: getattr(campaign, name if name not in ("playlist", "market_station") else f"{name}_id")
            for name in SETTINGS_FIELDS}  # fmt: skip
    data["markets"] = sorted(campaign.markets.values_list("id", flat=True))
    data["schools"] = sorted(campaign.schools.values_list("id", flat=True))
    return data


def _write(campaign: Campaign, values: CampaignInput) -> Campaign:
    for name in SETTINGS_FIELDS:
        setattr(campaign, name, getattr(values, name))
    try:
        campaign.full_clean(exclude=["created_by"])  # null when its author's account was removed
    except ValidationError as exc:
        raise CampaignInvalid(exc.message_dict) from None
    try:
        with transaction.atomic():
            campaign.save()
    except IntegrityError:
        message = _("Another campaign is already called “%(name)s”.") % {"name": values.name}
        raise CampaignInvalid({"name": [message]}) from None
    campaign.markets.set(values.markets)
    campaign.schools.set(values.schools)
    return campaign


@transaction.atomic
def campaign_create(*, values: CampaignInput, actor) -> Campaign:
    """A new campaign (draft) with its settings; audited as ``campaign.create``."""
    values = check_campaign(values=values, actor=actor)
    campaign = _write(Campaign(created_by=actor if getattr(actor, "pk", None) else None), values)  # SYSTEM: none
    audit_record(actor=actor, action="campaign.create", obj=campaign, after=_snapshot(campaign))
    return campaign


@transaction.atomic
def campaign_update(*, campaign: Campaign, values: CampaignInput, actor) -> Campaign:
    """Change a campaign's settings (not a closed one); audited as ``campaign.update`` with before and after."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    values = check_campaign(values=values, actor=actor, campaign=campaign)
    before = _snapshot(campaign)
    _write(campaign, values)
    audit_record(actor=actor, action="campaign.update", obj=campaign, before=before, after=_snapshot(campaign))
    return campaign


__all__ = ["CampaignInput", "CampaignInvalid", "campaign_create", "campaign_update", "check_campaign"]
