"""Reads for day sheets and flight applications: a day's sorties (one pilot's or everyone's), what a sheet
row shows, and what a flight application says (area, times, maximum height, drone, pilot, licence).

Who sees which sheet is one rule, ``sheet_pilot_allowed``: a pilot always sees their own sheet; anyone
holding ``VIEW_CAMPAIGNS`` (planners, leadership, the publicity office) may pick any pilot. Campaigns are
bureau-wide records, so no school or station scope applies.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from campaigns.models import FlightApplication, Playlist, Sortie
from common.geo import haversine_m
from common.roles import Capability, can
from drones.models import Mission, Pilot

SORTIE_RELATED = (
    "occurrence__campaign__playlist",
    "occurrence__market",
    "occurrence__school",
    "drone",
    "pilot__user",
    "mission",
    "flight",
    "application",
)


def pilot_of_user(user) -> Pilot | None:
    """The pilot record of ``user`` (a drone operator with a licence), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Pilot.objects.select_related("user").filter(user=user).first()


def sheet_pilot_allowed(user, pilot: Pilot) -> bool:
    """Whether ``user`` may read ``pilot``'s day sheet: their own, or any with ``VIEW_CAMPAIGNS``."""
    return pilot.user_id == getattr(user, "pk", None) or can(user, Capability.VIEW_CAMPAIGNS)


def pilots_for_sheets() -> QuerySet[Pilot]:
    return Pilot.objects.select_related("user").order_by("user__username")


def day_sorties(day: dt.date, *, pilot: Pilot | None = None) -> QuerySet[Sortie]:
    """The sorties of ``day`` (their occurrence's local date), every status, by take-off; one pilot's or all."""
    sorties = Sortie.objects.filter(occurrence__date=day).select_related(*SORTIE_RELATED)
    if pilot is not None:
        sorties = sorties.filter(pilot=pilot)
    return sorties.order_by("start", "id")


def pilot_sorties_for_calendar(pilot: Pilot, *, days_back: int = 30) -> QuerySet[Sortie]:
    """A pilot's sorties from ``days_back`` days ago on, cancelled ones included (the feed marks them)."""
    since = timezone.localdate() - dt.timedelta(days=days_back)
    return (
        Sortie.objects.filter(pilot=pilot, occurrence__date__gte=since)
        .select_related(*SORTIE_RELATED)
        .order_by("start", "id")
    )


def application_of(sortie: Sortie) -> FlightApplication | None:
    try:
        return sortie.application
    except FlightApplication.DoesNotExist:
        return None


# --- places, areas, heights ------------------------------------------------------------------------


def _geometry_points(geometry: dict | None) -> list[tuple[float, float]]:
    """(lat, lon) of a GeoJSON LineString's or Polygon's vertices (WGS-84; GeoJSON is lon, lat)."""
    if not geometry:
        return []
    coordinates = geometry.get("coordinates") or []
    if geometry.get("type") == "Polygon":
        coordinates = coordinates[0] if coordinates else []
        if len(coordinates) > 1 and list(coordinates[0]) == list(coordinates[-1]):
            coordinates = coordinates[:-1]  # the ring's closing point would weigh its first corner twice
    return [(float(c[1]), float(c[0])) for c in coordinates if isinstance(c, list | tuple) and len(c) >= 2]


def _centre(points: list[tuple[float, float]]) -> tuple[float, float] | None:
    if not points:
        return None
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def place_of(sortie: Sortie) -> dict[str, Any]:
    """The sortie's place: kind (``market``/``school``), name and a point (WGS-84) to show it at."""
    occurrence = sortie.occurrence
    if occurrence.market_id:
        market = occurrence.market
        centre = _centre(_geometry_points(market.area) or _geometry_points(market.street))
        return {
            "kind": "market",
            "id": market.pk,
            "name": market.name,
            "lat": centre[0] if centre else None,
            "lon": centre[1] if centre else None,
        }
    school = occurrence.school
    return {"kind": "school", "id": school.pk, "name": school.name, "lat": school.lat, "lon": school.lon}


def mission_max_height_m(mission: Mission | None) -> float | None:
    """The mission's highest point above the launch point (take-off height or a waypoint), in metres, never
    above the legal ceiling ``DRONE_MAX_HEIGHT_M`` (120 m by default); None without a mission."""
    if mission is None:
        return None
    heights = [float(w.get("alt_m") or 0) for w in mission.waypoints if isinstance(w, dict)]
    return min(max([float(mission.takeoff_alt_m), *heights]), float(settings.DRONE_MAX_HEIGHT_M))


def operating_area(sortie: Sortie) -> dict[str, Any]:
    """Where the sortie flies: the centre (WGS-84) and radius (m, rounded up to 10 m) of its mission's
    operating area (or of its route and launch point when it has none), with the place's name; without a
    mission, the place's point and no radius."""
    place = place_of(sortie)
    mission = sortie.mission
    points: list[tuple[float, float]] = []
    if mission is not None:
        points = _geometry_points(mission.operating_area) or [
            (float(w["lat"]), float(w["lon"]))
            for w in mission.waypoints
            if isinstance(w, dict) and w.get("lat") is not None and w.get("lon") is not None
        ]
        if not mission.operating_area and mission.launch_lat is not None and mission.launch_lon is not None:
            points.append((mission.launch_lat, mission.launch_lon))
    centre = _centre(points)
    if centre is None:
        return {"place": place["name"], "lat": place["lat"], "lon": place["lon"], "radius_m": None}
    radius = max(haversine_m(centre[0], centre[1], lat, lon) for lat, lon in points)
    return {
        "place": place["name"],
        "lat": round(centre[0], 6),
        "lon": round(centre[1], 6),
        "radius_m": int(math.ceil(max(radius, 1.0) / 10.0) * 10),
    }


def area_text(area: dict[str, Any]) -> str:
    """``王庄大集 (36.180000, 118.170000, r 300 m)``: the area as one line for a form or a spreadsheet."""
    if area["lat"] is None:
        return area["place"]
    radius = f", r {area['radius_m']} m" if area["radius_m"] else ""
    return f"{area['place']} ({area['lat']:.6f}, {area['lon']:.6f}{radius})"


# --- sheet rows ------------------------------------------------------------------------------------


@dataclass
class PlaylistSummary:
    name: str
    clips: list[dict[str, Any]]
    loop_s: float


def playlist_summary(playlist: Playlist, cache: dict[int, PlaylistSummary] | None = None) -> PlaylistSummary:
    """The playlist's clips in order (title, seconds) and one loop's length (s)."""
    if cache is not None and playlist.pk in cache:
        return cache[playlist.pk]
    clips = [
        {"title": item.clip.title, "duration_s": round(item.clip.duration_s, 1)}
        for item in playlist.items.select_related("clip").order_by("position")
    ]
    summary = PlaylistSummary(name=playlist.name, clips=clips, loop_s=round(sum(c["duration_s"] for c in clips), 1))
    if cache is not None:
        cache[playlist.pk] = summary
    return summary


def sortie_row(sortie: Sortie, *, playlists: dict[int, PlaylistSummary] | None = None) -> dict[str, Any]:
    """Everything a day sheet shows of one sortie (times local, coordinates WGS-84)."""
    occurrence = sortie.occurrence
    application = application_of(sortie)
    batteries = [b.serial for b in sortie.drone.batteries.all() if not b.retired]
    return {
        "sortie": sortie,
        "id": sortie.pk,
        "status": sortie.status,
        "status_label": sortie.get_status_display(),
        "cancel_reason": sortie.cancel_reason,
        "start": timezone.localtime(sortie.start),
        "end": timezone.localtime(sortie.end),
        "campaign": occurrence.campaign,
        "place": place_of(sortie),
        "window_start": timezone.localtime(occurrence.window_start),
        "window_end": timezone.localtime(occurrence.window_end),
        "expected_crowd": occurrence.expected_crowd,
        "launch_lat": sortie.launch_lat,
        "launch_lon": sortie.launch_lon,
        "drone": sortie.drone,
        "battery_packs": sortie.battery_packs,
        "batteries": batteries,
        "pilot": sortie.pilot,
        "playlist": playlist_summary(occurrence.campaign.playlist, playlists),
        "mission": sortie.mission,
        "max_height_m": mission_max_height_m(sortie.mission),
        "application": application,
        "application_status": application.status if application else FlightApplication.Status.DRAFT,
        "application_label": (
            application.get_status_display() if application else FlightApplication.Status.DRAFT.label
        ),
        "flight": sortie.flight,
    }


def sheet_rows(sorties) -> list[dict[str, Any]]:
    playlists: dict[int, PlaylistSummary] = {}
    return [sortie_row(sortie, playlists=playlists) for sortie in sorties]


def sheet_map_points(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The launch points and places of a sheet for its map (plain JSON, WGS-84)."""
    points = []
    for row in rows:
        points.append(
            {
                "id": row["id"],
                "lat": row["launch_lat"],
                "lon": row["launch_lon"],
                "start": f"{row['start']:%H:%M}",
                "place": row["place"]["name"],
                "drone": row["drone"].name,
                "cancelled": row["status"] == Sortie.Status.CANCELLED,
                "place_lat": row["place"]["lat"],
                "place_lon": row["place"]["lon"],
            }
        )
    return points


# --- flight applications ---------------------------------------------------------------------------


def application_sorties(day: dt.date) -> QuerySet[Sortie]:
    """The sorties of ``day`` that need an application: every one that is not cancelled."""
    return day_sorties(day).exclude(status=Sortie.Status.CANCELLED).order_by("start", "pilot__user__username", "id")


def application_due(day: dt.date) -> dt.date:
    """Applications are due the day before the flights (the 2024 rules for civil UAV flight activity)."""
    return day - dt.timedelta(days=int(getattr(settings, "CAMPAIGN_APPLICATION_LEAD_DAYS", 1)))


def application_row(sortie: Sortie) -> dict[str, Any]:
    """One application as filed: area, times, maximum height, drone, pilot and licence, status."""
    application = application_of(sortie)
    area = operating_area(sortie)
    pilot = sortie.pilot
    return {
        "sortie": sortie,
        "application": application,
        "status": application.status if application else FlightApplication.Status.DRAFT,
        "status_label": (application.get_status_display() if application else FlightApplication.Status.DRAFT.label),
        "reference": application.reference if application else "",
        "note": application.note if application else "",
        "area": area,
        "area_text": area_text(area),
        "place": place_of(sortie),
        "start": timezone.localtime(sortie.start),
        "end": timezone.localtime(sortie.end),
        "max_height_m": mission_max_height_m(sortie.mission),
        "drone_model": sortie.drone.model_name or sortie.drone.get_airframe_display(),
        "drone_serial": sortie.drone.serial,
        "drone_name": sortie.drone.name,
        "pilot_name": pilot.user.get_full_name() or pilot.user.get_username(),
        "licence_no": pilot.licence_no,
        "licence_expiry": pilot.licence_expiry,
        "licence_valid_on_day": pilot.licence_expiry >= sortie.occurrence.date,
        "campaign": sortie.occurrence.campaign,
    }


def application_rows(day: dt.date) -> list[dict[str, Any]]:
    return [application_row(sortie) for sortie in application_sorties(day)]


def application_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys(FlightApplication.Status.values, 0)
    for row in rows:
        counts[row["status"]] += 1
    return counts
