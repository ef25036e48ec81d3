"""What a check reports: the violation codes, ``Violation`` (what is wrong and where), ``Estimate``
(flight time and battery), ``CheckResult`` (with its JSON and map GeoJSON) and the ``MissionInvalid``
error a rejected mission raises."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext as _

from common.errors import DomainError
from drones.missions.fence import FenceError, fence_items
from drones.vehicle import MissionItem


class Code(StrEnum):
    BAD_LAUNCH = "bad_launch"
    INVALID_ROUTE = "invalid_route"
    INVALID_AREA = "invalid_area"
    TOO_FEW_POINTS = "too_few_points"
    TOO_MANY_ITEMS = "too_many_items"
    CEILING = "ceiling"
    TERRAIN_CEILING = "terrain_ceiling"  # with a terrain model: above the ceiling over the ground
    TERRAIN_CLEARANCE = "terrain_clearance"  # with a terrain model: too close to the ground
    TERRAIN_UNKNOWN = "terrain_unknown"  # a notice: the terrain model has no ground height there
    OUTSIDE_AREA = "outside_area"
    NEAR_AREA_EDGE = "near_area_edge"
    NO_FLY = "no_fly"
    AIRPORT = "airport"
    RESTRICTED = "restricted_without_approval"
    RESTRICTED_APPROVED = "restricted_with_approval"  # a notice, not a violation
    LINE_OF_SIGHT = "line_of_sight"
    CROWD_TOO_LOW = "crowd_too_low"
    ENDURANCE = "endurance"
    FENCE = "fence"


@dataclass(frozen=True)
class Violation:
    """One thing wrong with the mission, and where.

    ``waypoint`` is 0-based (messages say it 1-based); ``segment`` is
    ``(from, to)`` waypoint indexes with ``None`` for the launch point
    (``(None, 0)`` is the leg from the launch point, ``(n - 1, None)`` the
    return). ``geometry`` is WGS-84 GeoJSON of where it happens.
    """

    code: str
    message: str
    waypoint: int | None = None
    segment: tuple[int | None, int | None] | None = None
    limit: float | None = None
    value: float | None = None
    zone: str | None = None
    geometry: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON; the geometry is shared, not copied (``dataclasses.asdict`` copying every coordinate of
        every violation was a tenth of a check, issue 14): treat it as read-only."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["segment"] = list(self.segment) if self.segment is not None else None
        return data


@dataclass(frozen=True)
class Estimate:
    """How long the flight takes and how much of the battery it uses. Distances horizontal, metres."""

    route_length_m: float  # first to last waypoint
    total_distance_m: float  # with the leg from the launch point and the return
    climb_m: float  # every metre up, take-off included
    descent_m: float  # every metre down, landing included
    hold_s: float
    broadcast_s: float  # loudspeaker on
    flight_time_s: float
    endurance_s: float
    endurance_used_pct: float
    reserve_left_pct: float
    reserve_required_pct: float
    breakdown: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CheckResult:
    """The outcome: ``ok`` when there is no violation. Notices never block (approved restricted zones)."""

    violations: list[Violation]
    estimate: Estimate | None
    notices: list[Violation] = field(default_factory=list)
    operating_area: dict[str, Any] | None = None  # the inclusion fence as uploaded, WGS-84 GeoJSON
    exclusions: list[dict[str, Any]] = field(default_factory=list)  # exclusion polygons, WGS-84 GeoJSON
    area_is_default: bool = False
    fence_simplified_m: float = 0.0
    checked_at: str = ""
    # With a terrain model: the ground along the route (``drones.missions.checks.terrain``), else None.
    terrain: dict[str, Any] | None = None
    # What the check read, as a digest (``drones.missions.planning.mission_check_basis``): a stored result
    # with the basis of now is what a new check would find. Empty: not known.
    basis: str = ""

    @property
    def ok(self) -> bool:
        return not self.violations

    def codes(self) -> list[str]:
        return [v.code for v in self.violations]

    def fence_items(self) -> list[MissionItem]:
        """The fence to upload (``MissionType.FENCE``); only for a result that is ``ok``."""
        if self.operating_area is None:
            raise FenceError(_("There is no operating area to build a fence from."))
        return fence_items(self.operating_area, self.exclusions)

    def as_dict(self) -> dict[str, Any]:
        """JSON for ``Mission.validation`` and the API."""
        return {
            "ok": self.ok,
            "checked_at": self.checked_at,
            "violations": [v.as_dict() for v in self.violations],
            "notices": [v.as_dict() for v in self.notices],
            "estimate": self.estimate.as_dict() if self.estimate else None,
            "operating_area": self.operating_area,
            "exclusions": self.exclusions,
            "area_is_default": self.area_is_default,
            "fence_simplified_m": self.fence_simplified_m,
            "basis": self.basis,
            "terrain": self.terrain,
        }

    def geojson(self) -> dict[str, Any]:
        """A FeatureCollection for the map: the operating area, the exclusions, then every violation."""
        return validation_geojson(
            {
                "operating_area": self.operating_area,
                "area_is_default": self.area_is_default,
                "exclusions": self.exclusions,
                "violations": [v.as_dict() for v in self.violations if v.geometry],
                "notices": [v.as_dict() for v in self.notices if v.geometry],
                "terrain": self.terrain,
            }
        )

    def raise_if_rejected(self) -> None:
        if not self.ok:
            raise MissionInvalid(self.violations)


class MissionInvalid(DomainError):
    """The mission breaks a rule; ``details`` lists every violation (``Violation.as_dict()``)."""

    code = "mission_invalid"
    http_status = 400

    def __init__(self, violations: Sequence[Violation]):
        self.violations = list(violations)
        message = _("The mission was rejected: %(n)d problem(s). %(first)s") % {
            "n": len(self.violations),
            "first": self.violations[0].message if self.violations else "",
        }
        super().__init__(message, details=[v.as_dict() for v in self.violations])


def validation_geojson(validation: dict[str, Any]) -> dict[str, Any]:
    """The map of a check from its JSON (``CheckResult.as_dict()``, a stored ``Mission.validation``). With a
    terrain model the ground along the route rides along as the foreign member ``terrain``, for the profile."""
    features = []
    if validation.get("operating_area"):
        features.append(
            _feature(
                validation["operating_area"],
                {"role": "operating_area", "default": bool(validation.get("area_is_default"))},
            )
        )
    features.extend(_feature(g, {"role": "exclusion"}) for g in validation.get("exclusions") or [])
    for role, key in (("violation", "violations"), ("notice", "notices")):
        for v in validation.get(key) or []:
            if v.get("geometry"):
                properties = {k: val for k, val in v.items() if k != "geometry"}
                features.append(_feature(v["geometry"], {"role": role, **properties}))
    collection: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if validation.get("terrain"):
        collection["terrain"] = validation["terrain"]
    return collection


def _feature(geometry: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}
