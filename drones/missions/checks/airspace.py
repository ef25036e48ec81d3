"""The airspace checks (``no_fly``, ``airport``, ``restricted_without_approval``): the zones near the
mission, projected once, and every waypoint inside and every leg crossing one; with a flight approval
reference, restricted-zone crossings become notices."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import shapely
from django.utils.translation import gettext as _

from drones.missions.checks.checker import _Checker, _Legs, _point_label
from drones.missions.checks.limits import _CLIP_MARGIN_M
from drones.missions.checks.results import Code, Violation
from drones.missions.checks.zones import AIRPORT, NO_FLY, RESTRICTED, AirspaceIndex, ZoneRef

# Pieces of a segment inside a zone shorter than this are rounding at a shared edge.
_MIN_CROSSING_M = 0.01


def _zones_near(c: _Checker, index: AirspaceIndex, area_local) -> tuple[np.ndarray, list[ZoneRef]]:
    """The zones near the mission, in local metres (one projection call for all of them)."""
    if not len(index):
        return np.empty(0, dtype=object), []
    # The launch point, the waypoints and the area's corners together (arrays, not 200 shapely Points).
    area_minx, area_miny, area_maxx, area_maxy = shapely.bounds(area_local)
    xs = np.concatenate([[c.lx, area_minx, area_maxx], c.x])
    ys = np.concatenate([[c.ly, area_miny, area_maxy], c.y])
    minx, maxx, miny, maxy = np.nanmin(xs), np.nanmax(xs), np.nanmin(ys), np.nanmax(ys)
    # All four corners (the UTM grid is turned against the meridians), padded past the clipping margin.
    pad = _CLIP_MARGIN_M + 30.0
    lat, lon = c.frame.latlon(
        [minx - pad, maxx + pad, minx - pad, maxx + pad], [miny - pad, miny - pad, maxy + pad, maxy + pad]
    )
    near = index.near((float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())))
    if not len(near):
        return np.empty(0, dtype=object), []
    local = c.frame.to_local(index.geometries[near])
    shapely.prepare(local)
    return local, [index.refs[i] for i in near]


_ZONE_CODES = {NO_FLY: Code.NO_FLY, AIRPORT: Code.AIRPORT, RESTRICTED: Code.RESTRICTED}


def _geojsons(c: _Checker, geometries: np.ndarray) -> list[dict[str, Any] | None]:
    """Local geometries as WGS-84 GeoJSON dicts, with one projection call for all of them."""
    if not len(geometries):
        return []
    texts = shapely.to_geojson(c.frame.to_wgs84(geometries))
    return [json.loads(t) if t is not None else None for t in texts]


def _check_zones(c: _Checker, legs: _Legs, zones_local: np.ndarray, refs: list[ZoneRef], approval_ref: str) -> None:
    if not len(refs):
        return
    words = {NO_FLY: _("no-fly zone"), AIRPORT: _("airport clearance area"), RESTRICTED: _("restricted zone")}
    inside_text = _("%(where)s is inside %(kind)s “%(zone)s”.")
    crossing_text = _("Segment %(segment)s crosses %(kind)s “%(zone)s” for %(length).0f m.")
    texts = _ZoneTexts(approval_ref)
    tree = shapely.STRtree(zones_local)
    # Waypoints (and the launch point) inside a zone.
    targets = np.concatenate([[c.launch_point], c.points]) if len(c.points) else np.asarray([c.launch_point])
    point_idx, zone_idx = tree.query(targets, predicate="intersects")
    inside: set[tuple[int | None, int]] = set()
    for p, z in zip(point_idx.tolist(), zone_idx.tolist(), strict=True):
        waypoint = None if p == 0 else p - 1
        inside.add((waypoint, z))
        ref = refs[z]
        message = inside_text % {
            "where": _point_label(waypoint).capitalize(),
            "kind": words.get(ref.kind, ref.kind),
            "zone": ref.name,
        }
        _zone_violation(c, ref, texts, message, waypoint=waypoint, geometry=c.point_geojson(waypoint))
    if not len(legs.lines):
        return
    leg_idx, zone_idx = tree.query(legs.lines, predicate="intersects")
    keep = np.fromiter(
        (
            (legs.starts[k], z) not in inside and (legs.ends[k], z) not in inside
            for k, z in zip(leg_idx.tolist(), zone_idx.tolist(), strict=True)
        ),
        bool,
        len(leg_idx),
    )
    leg_idx, zone_idx = leg_idx[keep], zone_idx[keep]
    crossings = shapely.intersection(legs.lines[leg_idx], zones_local[zone_idx])
    lengths = shapely.length(crossings)
    geometries = _geojsons(c, crossings)
    for k, z, length, geometry in zip(leg_idx.tolist(), zone_idx.tolist(), lengths.tolist(), geometries, strict=True):
        ref = refs[z]
        message = crossing_text % {
            "segment": legs.label(k),
            "kind": words.get(ref.kind, ref.kind),
            "zone": ref.name,
            "length": length,
        }
        _zone_violation(
            c,
            ref,
            texts,
            message,
            segment=(legs.starts[k], legs.ends[k]),
            value=round(float(length), 1),
            geometry=geometry,
        )


class _ZoneTexts:
    """The sentences added to restricted-zone messages, translated once per check."""

    def __init__(self, approval_ref: str):
        self.approval_ref = approval_ref
        self.approved = _("Allowed by flight approval %(ref)s.") % {"ref": approval_ref} if approval_ref else ""
        self.needs_approval = _("Flying there needs a flight approval reference.")


def _zone_violation(c: _Checker, ref: ZoneRef, texts: _ZoneTexts, message: str, **where) -> None:
    if ref.kind == RESTRICTED:
        if texts.approval_ref:
            c.notices.append(
                Violation(str(Code.RESTRICTED_APPROVED), f"{message} {texts.approved}", zone=ref.name, **where)
            )
            return
        message = f"{message} {texts.needs_approval}"
    code = _ZONE_CODES.get(ref.kind, Code.NO_FLY)
    c.add(code, message, zone=ref.name, limit=0.0, **where)
