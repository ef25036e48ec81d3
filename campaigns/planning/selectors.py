"""Reads for campaign planning: the campaign list with its counts, a playlist's readiness and loop, the
broadcast planned per visit, the expected reach of the scheduled sorties, occurrence filters, the map.

Campaigns are bureau-wide records: whoever holds ``VIEW_CAMPAIGNS`` sees all of them (no school or
station scope applies), so the selectors take no user.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from campaigns.content.selectors import playlist_ready
from campaigns.models import Campaign, Occurrence, Playlist, Sortie
from campaigns.planning.occurrences import campaign_markets
from campaigns.reach import ReachParameters, dwell_for, occurrence_reach, place_reach, repeat_share_for, window_s

# How many times the playlist plays per visit when the campaign sets no minimum (the default).
DEFAULT_LOOPS_PER_VISIT = 2


def campaign_list() -> QuerySet[Campaign]:
    """Every campaign with ``n_occurrences`` and ``n_scheduled`` (occurrences with a sortie planned)."""
    return (
        Campaign.objects.select_related("playlist", "market_station")
        .annotate(
            n_occurrences=Count("occurrences", distinct=True),
            n_scheduled=Count(
                "occurrences",
                filter=Q(occurrences__status__in=[Occurrence.Status.SCHEDULED, Occurrence.Status.FLOWN]),
                distinct=True,
            ),
        )
        .order_by("-start_date", "name")
    )


def playlist_loop_s(playlist: Playlist) -> float:
    """One loop of the playlist: the sum of its clips' durations, in seconds."""
    return float(sum(item.clip.duration_s for item in playlist.items.select_related("clip")))


def default_broadcast_min(playlist: Playlist) -> float:
    """The minutes per visit when a campaign leaves them empty: the playlist twice."""
    return DEFAULT_LOOPS_PER_VISIT * playlist_loop_s(playlist) / 60.0


def campaign_broadcast_s(campaign: Campaign) -> float:
    """The broadcast planned over the crowd per visit, in seconds: the campaign's minimum or the playlist twice."""
    if campaign.min_broadcast_min:
        return float(campaign.min_broadcast_min) * 60.0
    return DEFAULT_LOOPS_PER_VISIT * playlist_loop_s(campaign.playlist)


def occurrence_status_counts(campaign: Campaign) -> dict[str, int]:
    """Occurrences per status (every status present, zero when none)."""
    counts = dict.fromkeys(Occurrence.Status.values, 0)
    for row in campaign.occurrences.values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts


def campaign_expected_reach(campaign: Campaign) -> dict:
    """The planned reach of the campaign's sorties (scheduled or flown, not cancelled) against its target.

    Each sortie's occurrence is estimated with ``campaigns.reach.occurrence_reach`` for the planned
    broadcast seconds (``campaign_broadcast_s``); the visits of one place (market or school) are then
    taken in time order and discounted for repeat visitors with ``place_reach``. Measured reach (from the
    flights) is not this: it belongs to the reach pages.
    """
    params = ReachParameters.from_settings()
    loop_s = playlist_loop_s(campaign.playlist)
    broadcast_s = campaign_broadcast_s(campaign)
    sorties = (
        Sortie.objects.filter(occurrence__campaign=campaign)
        .exclude(status=Sortie.Status.CANCELLED)
        .select_related("occurrence__market", "occurrence__school")
        .order_by("occurrence__window_start", "id")
    )
    visits: dict[tuple, list[int]] = defaultdict(list)
    shares: dict[tuple, float] = {}
    names: dict[tuple, str] = {}
    for sortie in sorties:
        occurrence = sortie.occurrence
        key = ("market", occurrence.market_id) if occurrence.market_id else ("school", occurrence.school_id)
        visits[key].append(
            occurrence_reach(
                expected_crowd=occurrence.expected_crowd,
                broadcast_s=broadcast_s,
                loop_s=loop_s,
                window_s=window_s(occurrence),
                dwell_s=dwell_for(occurrence, params),
                cap=params.cap,
            )
        )
        shares[key] = repeat_share_for(occurrence, params)
        names[key] = str(occurrence.market or occurrence.school)
    places = [
        {
            "kind": key[0],
            "id": key[1],
            "name": names[key],
            "visits": len(reaches),
            "reach": place_reach(reaches, repeat_share=shares[key]),
        }
        for key, reaches in visits.items()
    ]
    places.sort(key=lambda p: (-p["reach"], p["name"]))
    expected = sum(p["reach"] for p in places)
    target = campaign.reach_target
    return {
        "target": target,
        "expected": expected,
        "share_of_target": (expected / target) if target else None,
        "sorties": sum(p["visits"] for p in places),
        "broadcast_s": broadcast_s,
        "loop_s": loop_s,
        "places": places,
    }


# --- occurrences -------------------------------------------------------------------------------------

OCCURRENCE_FILTERS = ("from", "to", "status", "place")


def _date_param(value: str, name: str, errors: dict) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        errors[name] = [_("Give a date as YYYY-MM-DD.")]
        return None


def occurrence_list(campaign: Campaign) -> QuerySet[Occurrence]:
    """The campaign's occurrences in time order, with their place and sortie (drone, pilot)."""
    return (
        Occurrence.objects.filter(campaign=campaign)
        .select_related("market", "school", "sortie__drone", "sortie__pilot__user")
        .order_by("window_start", "id")
    )


def occurrence_filter(queryset: QuerySet[Occurrence], params) -> QuerySet[Occurrence]:
    """Filter occurrences by ``from``/``to`` (dates, inclusive), ``status`` and ``place`` (``market:ID`` or
    ``school:ID``). A bad value raises ``ValidationError`` naming the parameter."""
    errors: dict[str, list[str]] = {}
    first = _date_param(params.get("from", "") or "", "from", errors)
    last = _date_param(params.get("to", "") or "", "to", errors)
    if first and last and last < first:
        errors["to"] = [_("The end of the date range is before its start.")]
    status = params.get("status", "") or ""
    if status and status not in Occurrence.Status.values:
        errors["status"] = [
            _("Unknown status “%(value)s”; use one of: %(choices)s.")
            % {"value": status, "choices": ", ".join(Occurrence.Status.values)}
        ]
    place = params.get("place", "") or ""
    kind, _sep, number = place.partition(":")
    if place and (kind not in ("market", "school") or not number.isdigit()):
        errors["place"] = [_("Give the place as market:ID or school:ID.")]
    if errors:
        raise ValidationError(errors)
    if first:
        queryset = queryset.filter(date__gte=first)
    if last:
        queryset = queryset.filter(date__lte=last)
    if status:
        queryset = queryset.filter(status=status)
    if place:
        queryset = queryset.filter(**{f"{kind}_id": int(number)})
    return queryset


def occurrence_places(campaign: Campaign) -> list[tuple[str, str]]:
    """The places of the campaign's occurrences as (``market:ID``/``school:ID``, name), for a filter."""
    rows = (
        Occurrence.objects.filter(campaign=campaign)
        .values("market_id", "market__name", "school_id", "school__name")
        .distinct()
    )
    places = {
        (f"market:{r['market_id']}" if r["market_id"] else f"school:{r['school_id']}"): (
            r["market__name"] or r["school__name"]
        )
        for r in rows
    }
    return sorted(places.items(), key=lambda item: item[1])


# --- the map -------------------------------------------------------------------------------------------


def campaign_map(campaign: Campaign) -> dict:
    """The targeted markets (street or area) and schools (points) as a GeoJSON FeatureCollection, WGS-84."""
    features = []
    for market in campaign_markets(campaign):
        for geometry in (market.area, market.street):
            if geometry:
                features.append(
                    {
                        "type": "Feature",
                        "geometry": geometry,
                        "properties": {"layer": "market", "name": market.name, "attendance": market.attendance},
                    }
                )
    for school in campaign.schools.order_by("name"):
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [school.lon, school.lat]},
                "properties": {"layer": "school", "name": school.name, "pupils": school.pupils},
            }
        )
    return {"type": "FeatureCollection", "features": features}


__all__ = [
    "DEFAULT_LOOPS_PER_VISIT",
    "campaign_broadcast_s",
    "campaign_expected_reach",
    "campaign_list",
    "campaign_map",
    "default_broadcast_min",
    "occurrence_filter",
    "occurrence_list",
    "occurrence_places",
    "occurrence_status_counts",
    "playlist_loop_s",
    "playlist_ready",
]
