"""A flight's record: its track and events, statistics, and exports (GeoJSON, GPX, KML, CSV).

The track is the drone's 1 Hz ``TrackPoint``s between the flight's start and
end; events likewise. Distances are great-circle metres; heights above home.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from django.db.models import QuerySet
from django.utils import timezone

from common.geo import haversine_m
from common.xlsx import csv_cell
from drones.models import DroneEvent, Flight, FlightSnapshot, TrackPoint


def flight_track(flight: Flight) -> QuerySet[TrackPoint]:
    qs = TrackPoint.objects.filter(drone_id=flight.drone_id)
    start = flight.started_at or flight.created_at
    qs = qs.filter(at__gte=start)
    if flight.ended_at:
        qs = qs.filter(at__lte=flight.ended_at)
    return qs.order_by("at")


def flight_events(flight: Flight) -> QuerySet[DroneEvent]:
    qs = DroneEvent.objects.filter(drone_id=flight.drone_id, at__gte=flight.created_at)
    if flight.ended_at:
        qs = qs.filter(at__lte=flight.ended_at)
    return qs.order_by("at")


def flight_snapshots(flight: Flight) -> QuerySet[FlightSnapshot]:
    """The frames of the live video operators kept during the flight, oldest first (image bytes left out)."""
    return FlightSnapshot.objects.filter(flight=flight).defer("image").order_by("taken_at", "id")


def _snapshot_features(flight: Flight) -> list[dict[str, Any]]:
    """The snapshots as GeoJSON points (no geometry when the drone's position was not known)."""
    from django.urls import reverse

    return [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [s.lon, s.lat, s.alt_rel_m or 0.0]}
            if s.lat is not None and s.lon is not None
            else None,
            "properties": {
                "kind": "snapshot",
                "at": s.taken_at.isoformat(),
                "image": reverse("drones_api:flight-snapshot-image", args=[flight.pk, s.pk]),
            },
        }
        for s in flight_snapshots(flight)
    ]


def flight_outcome(flight: Flight) -> dict[str, Any]:
    """What ended the flight, for the log and the exports: completed, aborted (by whom), fence,
    GCS or battery failsafe, link lost, landed early, failed; blank while it flies."""
    return {
        "status": flight.status,
        "outcome": flight.outcome,
        "outcome_label": flight.get_outcome_display() if flight.outcome else "",
        "outcome_detail": flight.outcome_detail,
        "reached_items": list(flight.reached_items or []),
    }


@dataclass(frozen=True)
class FlightStats:
    duration_s: float
    distance_m: float
    max_alt_m: float
    broadcast_s: float
    points: int
    failsafes: int
    fence_breaches: int
    link_losses: int
    # The plan's estimate (``checks``, drones.missions.flighttime: MISSION_START to the disarm) against
    # ``actual_s``: by the vehicle's clock from the mission's start to its landing report when the bridge
    # stamped them (``actual_clock`` "vehicle"), else the armed time of the track ("track", wall clock);
    # ``ratio`` = actual / estimated.
    estimated_s: float | None = None
    actual_s: float | None = None
    actual_clock: str = ""
    ratio: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            k: (round(v, 2) if k == "ratio" else round(v, 1)) if isinstance(v, float) else v
            for k, v in self.__dict__.items()
        }


def flight_estimate_s(flight: Flight) -> float | None:
    """The flight time its mission's check estimated, seconds; None for a manual flight or no estimate."""
    mission = flight.mission
    estimate = ((mission.validation or {}).get("estimate") or {}) if mission is not None else {}
    value = estimate.get("flight_time_s")
    return float(value) if isinstance(value, int | float) and value > 0 else None


def _vehicle_flight_s(flight: Flight) -> float | None:
    """Seconds of vehicle time from the mission's start to its landing, from the bridge's mission reports."""
    stamps: dict[str, int] = {}
    for data in flight_events(flight).filter(kind="mission").values_list("data", flat=True):
        if not isinstance(data, dict) or data.get("flight") != flight.pk:
            continue
        report, stamp = data.get("report"), data.get("vehicle_time_ms")
        if report in ("started", "landed") and isinstance(stamp, int) and report not in stamps:
            stamps[report] = stamp
    if "started" in stamps and "landed" in stamps and stamps["landed"] > stamps["started"]:
        return (stamps["landed"] - stamps["started"]) / 1000.0
    return None


def flight_stats(flight: Flight) -> FlightStats:
    """Duration (first to last airborne point), distance flown, highest point, loudspeaker time, incidents."""
    points = list(flight_track(flight).values_list("at", "lat", "lon", "alt_rel_m", "speaker_on", "armed"))
    distance = 0.0
    broadcast = 0.0
    max_alt = 0.0
    airborne = [p for p in points if p[5]]
    for (t0, la0, lo0, _a0, sp0, _), (t1, la1, lo1, _a1, _sp1, _) in zip(airborne, airborne[1:], strict=False):
        distance += haversine_m(la0, lo0, la1, lo1)
        if sp0:
            broadcast += (t1 - t0).total_seconds()
    for p in airborne:
        if p[3] is not None:
            max_alt = max(max_alt, p[3])
    duration = (airborne[-1][0] - airborne[0][0]).total_seconds() if len(airborne) > 1 else 0.0
    kinds = list(flight_events(flight).values_list("kind", flat=True))
    estimated = flight_estimate_s(flight)
    actual, clock = _vehicle_flight_s(flight), "vehicle"
    if actual is None:
        actual, clock = (duration, "track") if duration > 0 else (None, "")
    return FlightStats(
        duration,
        distance,
        max_alt,
        broadcast,
        len(points),
        kinds.count("failsafe"),
        kinds.count("fence"),
        kinds.count("link_lost"),
        estimated_s=estimated,
        actual_s=actual,
        actual_clock=clock,
        ratio=actual / estimated if actual is not None and estimated else None,
    )


# --- exports ---------------------------------------------------------------------------------
# Each export takes the flight and, when run by ``common.exports``, the export's token: every track
# point and event written is counted on it, and the build stops there once the client has gone.


def _counted(items, token):
    """``items`` (a QuerySet is read in chunks), each counted on ``token`` when there is one."""
    rows = items.iterator(chunk_size=2000) if isinstance(items, QuerySet) else items
    if token is None:
        yield from rows
        return
    for item in rows:
        yield item
        token.count()


def _rows(flight: Flight, token=None) -> list[TrackPoint]:
    return list(_counted(flight_track(flight), token))


def export_geojson(flight: Flight, token=None) -> str:
    rows = _rows(flight, token)
    features = []
    if rows:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[p.lon, p.lat, p.alt_rel_m or 0.0] for p in rows]},
                "properties": {
                    "flight": flight.id,
                    "drone": flight.drone.name,
                    "kind": "track",
                    **flight_outcome(flight),
                    "start": rows[0].at.isoformat(),
                    "end": rows[-1].at.isoformat(),
                },
            }
        )
    for event in _counted(flight_events(flight), token):
        features.append(
            {
                "type": "Feature",
                "geometry": None,
                "properties": {
                    "kind": "event",
                    "at": event.at.isoformat(),
                    "event": event.kind,
                    "severity": event.severity,
                    "text": event.text,
                },
            }
        )
    features.extend(_snapshot_features(flight))
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=1)


def export_gpx(flight: Flight, token=None) -> str:
    name = escape(f"{flight.drone.name} {timezone.localtime(flight.created_at):%Y-%m-%d %H:%M}")
    points = "\n".join(
        f'      <trkpt lat="{p.lat:.7f}" lon="{p.lon:.7f}"><ele>{(p.alt_msl_m or 0.0):.1f}</ele>'
        f"<time>{p.at.astimezone(dt.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}</time></trkpt>"
        for p in _counted(flight_track(flight), token)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="SchoolSafe" xmlns="http://www.topografix.com/GPX/1/1">\n'
        f"  <trk><name>{name}</name>\n    <trkseg>\n{points}\n    </trkseg>\n  </trk>\n</gpx>\n"
    )


def export_kml(flight: Flight, token=None) -> str:
    name = escape(f"{flight.drone.name} {timezone.localtime(flight.created_at):%Y-%m-%d %H:%M}")
    coords = " ".join(
        f"{p.lon:.7f},{p.lat:.7f},{(p.alt_rel_m or 0.0):.1f}" for p in _counted(flight_track(flight), token)
    )
    snapshots = "".join(
        f"<Placemark><name>snapshot {timezone.localtime(s.taken_at):%H:%M:%S}</name><Point><coordinates>"
        f"{s.lon:.7f},{s.lat:.7f},{(s.alt_rel_m or 0.0):.1f}</coordinates></Point></Placemark>\n"
        for s in flight_snapshots(flight)
        if s.lat is not None and s.lon is not None
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>\n'
        f"<name>{name}</name>\n<Placemark><name>{name}</name><LineString><altitudeMode>relativeToGround"
        f"</altitudeMode><coordinates>{coords}</coordinates></LineString></Placemark>\n{snapshots}</Document></kml>\n"
    )


def export_csv(flight: Flight, token=None) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "time",
            "lat",
            "lon",
            "alt_rel_m",
            "alt_msl_m",
            "heading_deg",
            "groundspeed_mps",
            "climb_mps",
            "battery_pct",
            "battery_v",
            "mode",
            "armed",
            "mission_seq",
            "speaker_on",
        ]
    )
    for p in _counted(flight_track(flight), token):
        # The mode string comes from the vehicle: never let it reach a spreadsheet as a formula.
        writer.writerow(
            csv_cell(value)
            for value in [
                p.at.isoformat(),
                f"{p.lat:.7f}",
                f"{p.lon:.7f}",
                p.alt_rel_m,
                p.alt_msl_m,
                p.heading_deg,
                p.groundspeed_mps,
                p.climb_mps,
                p.battery_pct,
                p.battery_v,
                p.mode,
                int(p.armed),
                p.mission_seq,
                "" if p.speaker_on is None else int(p.speaker_on),
            ]
        )
    return out.getvalue()


EXPORTS = {
    "geojson": (export_geojson, "application/geo+json", "geojson"),
    "gpx": (export_gpx, "application/gpx+xml", "gpx"),
    "kml": (export_kml, "application/vnd.google-earth.kml+xml", "kml"),
    "csv": (export_csv, "text/csv; charset=utf-8", "csv"),
}
