"""Writes for missions: save a mission and run every check on it, generate one from the registry
(school patrol, market or point broadcast) or import one from a QGroundControl or waypoint file. Every
write is audited. Flights of a mission are ``drones.missions.flights``."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from common.audit import audit_record, snapshot
from common.errors import DomainError, NotAllowed
from common.roles import Capability, can
from drones.models import Drone, Mission


class MissionError(DomainError):
    code = "mission_invalid"


def _require_planner(actor) -> None:
    if not can(actor, Capability.PLAN_MISSIONS):
        raise NotAllowed(_("You may not plan drone missions."))


@transaction.atomic
def mission_save(*, mission: Mission, actor, reason: str = ""):
    """Save a mission and run every check on it: READY when it passes, REJECTED with the violations otherwise.

    Returns the ``CheckResult``. Rejected missions are saved too (they are drafts to fix), but can
    never be flown: ``flight_create`` refuses them and ``flight_start`` checks again.
    """
    from drones.missions.planning import mission_check

    _require_planner(actor)
    old = Mission.objects.filter(pk=mission.pk).only(*AUDITED, *DIGESTED).first() if mission.pk else None
    if mission.created_by_id is None and getattr(actor, "pk", None):
        mission.created_by = actor
    mission.full_clean(exclude=["validation", "status"])
    result = mission_check(mission)
    mission.validation = result.as_dict()
    mission.status = Mission.Status.READY if result.ok else Mission.Status.REJECTED
    mission.save()
    before = mission_audit_summary(old) if old else None
    after = mission_audit_summary(mission)
    audit_record(
        actor=actor,
        action="mission.update" if old else "mission.create",
        obj=mission,
        before=before,
        after={
            **after,
            **({"changed": _changed(old, mission, before, after)} if old else {}),
            "violations": result.codes(),
        },
        reason=reason,
    )
    return result


# What an audit entry of a mission records: these fields as they are, and of the large ones (a route
# may have 650 items; the planner saves on every edit, issue 14) how many items and a SHA-256 of them,
# enough to tell whether and when they changed. The mission itself holds them.
AUDITED = [
    "name",
    "kind",
    "drone",
    "school",
    "market",
    "launch_lat",
    "launch_lon",
    "takeoff_alt_m",
    "speed_mps",
    "planned_start",
    "approval_ref",
    "status",
]
DIGESTED = ["waypoints", "operating_area", "rally_points", "params"]


def _digest(value) -> dict[str, Any] | None:
    if not value:
        return None
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return {"items": len(value), "sha256": hashlib.sha256(text.encode()).hexdigest()}


def _changed(old: Mission, new: Mission, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The fields that differ; values compared as they are (one instant in two time zones is no change)."""
    fields = [Mission._meta.get_field(name).attname for name in AUDITED]
    return [
        *(name for name in fields if getattr(old, name) != getattr(new, name)),
        *(name for name in DIGESTED if before[name] != after[name]),
    ]


def mission_audit_summary(mission: Mission) -> dict[str, Any]:
    """A mission as its audit entries record it: ``AUDITED`` fields, and ``{"items", "sha256"}`` (or
    None when empty) of each ``DIGESTED`` one (``items``: waypoints, rally points, or keys of a dict)."""
    return {**snapshot(mission, AUDITED), **{name: _digest(getattr(mission, name)) for name in DIGESTED}}


GENERATORS = ("school_patrol", "market_broadcast", "point_broadcast")


def mission_generate(
    *,
    kind: str,
    drone: Drone,
    actor,
    name: str = "",
    school=None,
    market=None,
    points=None,
    options: dict[str, Any] | None = None,
) -> tuple[Mission, Any]:
    """Generate a mission of ``kind`` from the registry, save and check it. Returns (mission, check result)."""
    from drones.missions import generators

    _require_planner(actor)
    options = dict(options or {})
    start_at = (drone.home_lat, drone.home_lon) if drone.home_lat is not None else None
    try:
        if kind == "school_patrol":
            if school is None:
                raise MissionError(_("Choose the school to patrol."), code="school_required")
            generated = generators.school_patrol(school, start_at=start_at, **options)
        elif kind == "market_broadcast":
            if market is None:
                raise MissionError(_("Choose the market."), code="market_required")
            generated = generators.market_broadcast(market, start_at=start_at, **options)
        elif kind == "point_broadcast":
            generated = generators.point_broadcast(points or [], start_at=start_at, **options)
        else:
            raise MissionError(
                _("Unknown mission kind “%(kind)s”; use one of: %(kinds)s.")
                % {"kind": kind, "kinds": ", ".join(GENERATORS)}
            )
    except generators.GeneratorError as exc:
        raise MissionError(
            str(exc),
            code=getattr(exc, "code", "generator"),
            details=[{"field": getattr(exc, "field", None), "message": str(exc)}],
        ) from None
    except TypeError as exc:  # an option the generator does not take
        raise MissionError(_("Unknown option: %(error)s") % {"error": exc}, code="bad_option") from None
    from drones.missions.launch import launch_choose
    from drones.missions.markets import market_crowd_area

    choice = launch_choose(
        generated.waypoints,
        home=start_at,
        max_distance_m=settings.DRONE_MAX_DISTANCE_M,
        crowd=market_crowd_area(market) if market is not None else None,
    )
    launch = choice.point
    if launch != start_at:
        # Taking off near the target: generate again so the route starts at the end nearest the launch point.
        options_start = {"start_at": launch}
        if kind == "school_patrol":
            generated = generators.school_patrol(school, **options, **options_start)
        elif kind == "market_broadcast":
            generated = generators.market_broadcast(market, **options, **options_start)
        else:
            generated = generators.point_broadcast(points or [], **options, **options_start)
    params = dict(generated.params)
    if not choice.in_sight and choice.farthest_m is not None:
        # No launch point keeps the whole route in sight: say so where the planner shows the mission's notes.
        params["notes"] = [
            *params.get("notes", []),
            _(
                "No launch point outside the crowd keeps the whole route within %(limit).0f m line of sight; "
                "the best one found leaves the farthest waypoint %(far).0f m away. Shorten the route, fly "
                "fewer laps or split it into two missions."
            )
            % {"limit": settings.DRONE_MAX_DISTANCE_M, "far": choice.farthest_m},
        ]
    label = school or market or _("points")
    mission = Mission(
        name=name or f"{Mission.Kind(kind).label} · {label}",
        kind=kind,
        drone=drone,
        school=school,
        market=market,
        params=params,
        waypoints=generated.route_json(),
        takeoff_alt_m=generated.takeoff_alt_m,
        speed_mps=generated.speed_mps,
        operating_area=generated.operating_area,
        planned_start=generated.planned_start,
        launch_lat=launch[0] if launch else None,
        launch_lon=launch[1] if launch else None,
    )
    # An audit reason is text as a person would type it, so in the language of the one who generated it.
    reason = _("Generated: %(kind)s") % {"kind": Mission.Kind(kind).label}
    result = mission_save(mission=mission, actor=actor, reason=reason)
    return mission, result


def mission_import(*, drone: Drone, actor, filename: str, content: bytes, name: str = "") -> tuple[Mission, Any]:
    """A new mission from a QGroundControl ``.plan`` or a MAVLink waypoint text file (``QGC WPL 110``)."""
    from drones.missions import interop

    _require_planner(actor)
    text_start = content.lstrip()[:16]
    drone_home = (drone.home_lat, drone.home_lon) if drone.home_lat is not None else None
    try:
        if text_start.startswith(b"{") or filename.lower().endswith(".plan"):
            plan = interop.plan_import(content, speaker=drone.speaker_config())
        else:
            plan = interop.wpl_import(content, speaker=drone.speaker_config())
        fields = plan.mission_fields(launch=drone_home)
    except interop.PlanFileError as exc:
        # Every problem of the file, item by item (``PlanProblem.as_dict``); no mission is written, only the
        # attempt's audit entry (outside any transaction here, so it stays).
        audit_record(
            actor=actor,
            action="mission.import_refused",
            obj=drone,
            after={"filename": filename[:200], "problems": len(exc.problems), "codes": [p.code for p in exc.problems]},
        )
        raise MissionError(
            str(exc), code=exc.code or "plan_file", details=[p.as_dict() for p in exc.problems]
        ) from None
    if fields["launch_lat"] is None and drone_home is not None:
        fields["launch_lat"], fields["launch_lon"] = drone_home
    mission = Mission(
        name=name or filename.rsplit("/", 1)[-1][:120],
        kind=Mission.Kind.FREE,
        drone=drone,
        params={"imported_from": filename, "notes": list(plan.notes)},
        **fields,
    )
    result = mission_save(mission=mission, actor=actor, reason=f"imported {filename}")
    return mission, result
