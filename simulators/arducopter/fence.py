"""Geofence: FENCE_TYPE bits (1 max altitude, 2 circle around home, 4 polygons, 8 min altitude),
uploaded inclusion/exclusion polygons and circles, breach actions and FENCE_STATUS.

Observed (README §2 05): FENCE_ENABLE=1 makes FENCE_STATUS stream with the telemetry; a GUIDED
position target outside the fence is silently dropped; on a breach FENCE_STATUS shows
breach_status 1 / breach_type 3 (boundary), the mode becomes RTL (FENCE_ACTION 1) and its
HEARTBEAT goes out, then the texts "Polygon fence breached" (sev 5) and "Manual recovery
started" (sev 6); breach_mitigation is back to 1 once avoidance stops limiting;
and "Fence breach cleared" follows once back inside. DO_FENCE_ENABLE switches the fence at
run time without touching the FENCE_ENABLE parameter.

Simple avoidance (AVOID_ENABLE bit 1) is implemented for GUIDED velocity control only: the
velocity toward a boundary is limited so the vehicle brakes to FENCE_MARGIN inside it
(breach_mitigation 2 while limiting), then creeps on at 0.12 m/s while still pushed outward -
the real AC_Avoid in 05 oscillated 146-150 m for ~17 s and was then breached.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from simulators.arducopter.mission_items import Item
from simulators.arducopter.modes import Mode

if TYPE_CHECKING:
    from simulators.arducopter.vehicle import Vehicle

FENCE_TYPE_ALT_MAX, FENCE_TYPE_CIRCLE, FENCE_TYPE_POLYGON, FENCE_TYPE_ALT_MIN = 1, 2, 4, 8
FENCE_BREACH_NONE, FENCE_BREACH_MINALT, FENCE_BREACH_MAXALT, FENCE_BREACH_BOUNDARY = 0, 1, 2, 3
FENCE_MITIGATE_NONE, FENCE_MITIGATE_VEL_LIMIT = 1, 2
BREACH_NAMES = {FENCE_TYPE_ALT_MAX: "Max alt", FENCE_TYPE_CIRCLE: "Circle", FENCE_TYPE_POLYGON: "Polygon",
                FENCE_TYPE_ALT_MIN: "Min alt"}  # fmt: skip
AVOID_ENABLE_FENCE = 1
AVOID_DECEL_MSS = 2.5
# While avoidance holds it at the margin, a vehicle still pushed outward creeps on: in 05 it
# was held 146-150 m for ~17 s and then breached the fence. Creeping across the 2 m margin at
# this speed reproduces that timing.
AVOID_CREEP_MPS = 0.12
# avoidance runs every physics step; a limit older than this means it has stopped limiting
MITIGATION_HOLD_S = 0.15


@dataclass(frozen=True, slots=True)
class Polygon:
    inclusion: bool
    vertices: tuple[tuple[float, float], ...]  # (north_m, east_m) from the EKF origin

    def contains(self, north: float, east: float) -> bool:
        inside = False
        pts = self.vertices
        j = len(pts) - 1
        for i in range(len(pts)):
            ni, ei = pts[i]
            nj, ej = pts[j]
            if (ei > east) != (ej > east):
                cross = ni + (east - ei) * (nj - ni) / (ej - ei)
                if north < cross:
                    inside = not inside
            j = i
        return inside

    def distance_to_edge(self, north: float, east: float) -> float:
        best = math.inf
        pts = self.vertices
        for i in range(len(pts)):
            a, b = pts[i], pts[(i + 1) % len(pts)]
            best = min(best, _segment_distance(north, east, a, b))
        return best


@dataclass(frozen=True, slots=True)
class Circle:
    inclusion: bool
    north_m: float
    east_m: float
    radius_m: float

    def contains(self, north: float, east: float) -> bool:
        return math.hypot(north - self.north_m, east - self.east_m) <= self.radius_m


def _segment_distance(n: float, e: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    an, ae = a
    bn, be = b
    dn, de = bn - an, be - ae
    length2 = dn * dn + de * de
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((n - an) * dn + (e - ae) * de) / length2))
    return math.hypot(n - (an + t * dn), e - (ae + t * de))


class Fence:
    def __init__(self, vehicle: Vehicle) -> None:
        self.v = vehicle
        self.runtime_enabled = vehicle.params.get("FENCE_ENABLE") != 0
        self.polygons: list[Polygon] = []
        self.circles: list[Circle] = []
        self.breached_bits = 0
        self.breach_count = 0
        self.breach_type = FENCE_BREACH_NONE
        self.breach_time_ms = 0
        self._limited_s = -math.inf  # last time avoidance limited the velocity

    @property
    def enabled(self) -> bool:
        return self.runtime_enabled

    @property
    def breached(self) -> bool:
        return self.breached_bits != 0

    @property
    def type_mask(self) -> int:
        return self.v.params.get_int("FENCE_TYPE")

    def set_runtime_enabled(self, enabled: bool) -> None:
        self.runtime_enabled = enabled
        if not enabled:
            self.breached_bits = 0

    def on_param_changed(self, name: str, value: float) -> None:
        if name == "FENCE_ENABLE":
            self.set_runtime_enabled(value != 0)

    def load(self, items: list[Item]) -> None:
        """Fence items from the mission protocol (mission_type 1)."""
        v = self.v
        self.polygons, self.circles = [], []
        i = 0
        while i < len(items):
            item = items[i]
            if item.command in (5001, 5002):
                count = int(item.param1)
                vertices = tuple(v.offset_from_origin(p.lat_deg, p.lon_deg) for p in items[i : i + count])
                self.polygons.append(Polygon(item.command == 5001, vertices))
                i += max(count, 1)
                continue
            if item.command in (5003, 5004):
                north, east = v.offset_from_origin(item.lat_deg, item.lon_deg)
                self.circles.append(Circle(item.command == 5003, north, east, item.param1))
            i += 1

    @property
    def mitigation(self) -> int:
        """FENCE_STATUS.breach_mitigation: 2 only while avoidance is limiting (back to 1 after, 05)."""
        if self.v.now_s - self._limited_s <= MITIGATION_HOLD_S:
            return FENCE_MITIGATE_VEL_LIMIT
        return FENCE_MITIGATE_NONE

    # --- geometry --------------------------------------------------------------------------

    def _home_circle(self) -> Circle | None:
        home = self.v.home
        if home is None:
            return None
        north, east = self.v.offset_from_origin(home.lat_deg, home.lon_deg)
        return Circle(True, north, east, self.v.params.get("FENCE_RADIUS"))

    def breaches_at(self, north: float, east: float, height_rel_m: float) -> int:
        """FENCE_TYPE bits violated at a point (height relative to home)."""
        params = self.v.params
        mask = self.type_mask
        bits = 0
        if mask & FENCE_TYPE_ALT_MAX and height_rel_m > params.get("FENCE_ALT_MAX"):
            bits |= FENCE_TYPE_ALT_MAX
        if mask & FENCE_TYPE_ALT_MIN and height_rel_m < params.get("FENCE_ALT_MIN"):
            bits |= FENCE_TYPE_ALT_MIN
        if mask & FENCE_TYPE_CIRCLE:
            circle = self._home_circle()
            if circle is not None and not circle.contains(north, east):
                bits |= FENCE_TYPE_CIRCLE
        if mask & FENCE_TYPE_POLYGON:
            for polygon in self.polygons:
                if polygon.contains(north, east) != polygon.inclusion:
                    bits |= FENCE_TYPE_POLYGON
            for circle in self.circles:
                if circle.contains(north, east) != circle.inclusion:
                    bits |= FENCE_TYPE_POLYGON
        return bits

    def point_allowed(self, north: float, east: float, height_m: float) -> bool:
        if not self.enabled or self.v.home is None:
            return True
        height_rel = height_m + self.v.ground_amsl_m - self.v.home.alt_amsl_m
        return self.breaches_at(north, east, height_rel) == 0

    # --- avoidance -------------------------------------------------------------------------

    def limit_velocity(self, vn: float, ve: float) -> tuple[float, float]:
        v = self.v
        if not self.enabled or not int(v.params.get("AVOID_ENABLE")) & AVOID_ENABLE_FENCE or v.home is None:
            return vn, ve
        speed = math.hypot(vn, ve)
        if speed < 1e-3:
            return vn, ve
        kin = v.kin
        margin = v.params.get("FENCE_MARGIN")
        lookahead = speed * speed / (2 * AVOID_DECEL_MSS) + margin + 1.0
        un, ue = vn / speed, ve / speed
        ahead_n, ahead_e = kin.north_m + un * lookahead, kin.east_m + ue * lookahead
        height_rel = v.height_above_home_m()
        if not self.breaches_at(ahead_n, ahead_e, height_rel) & (FENCE_TYPE_POLYGON | FENCE_TYPE_CIRCLE):
            return vn, ve
        # distance to the boundary along the course, by bisection
        low, high = 0.0, lookahead
        for _ in range(12):
            mid = 0.5 * (low + high)
            if self.breaches_at(kin.north_m + un * mid, kin.east_m + ue * mid, height_rel):
                high = mid
            else:
                low = mid
        room = max(0.0, low - margin)
        allowed = max(AVOID_CREEP_MPS, math.sqrt(2 * AVOID_DECEL_MSS * room))
        if allowed < speed:
            self._limited_s = v.now_s
            return un * allowed, ue * allowed
        return vn, ve

    # --- breach checking (10 Hz) -------------------------------------------------------------

    def update(self) -> None:
        v = self.v
        if not self.enabled or v.home is None:
            return
        kin = v.kin
        bits = self.breaches_at(kin.north_m, kin.east_m, v.height_above_home_m()) if v.armed else 0
        new = bits & ~self.breached_bits
        if new:
            self.breach_count += 1
            self.breach_time_ms = v.time_boot_ms()
            if new & (FENCE_TYPE_CIRCLE | FENCE_TYPE_POLYGON):
                self.breach_type = FENCE_BREACH_BOUNDARY
            elif new & FENCE_TYPE_ALT_MAX:
                self.breach_type = FENCE_BREACH_MAXALT
            else:
                self.breach_type = FENCE_BREACH_MINALT
            self.breached_bits = bits
            # the mode change (and its HEARTBEAT) goes out before the texts (05)
            recovering = self._act()
            for bit, name in BREACH_NAMES.items():
                if new & bit:
                    v.send_text(5, f"{name} fence breached")
            if recovering:
                v.send_text(6, "Manual recovery started")
        elif self.breached_bits and not bits:
            self.breached_bits = 0
            self.breach_type = FENCE_BREACH_NONE
            v.send_text(5, "Fence breach cleared")
        else:
            self.breached_bits = bits

    def _act(self) -> bool:
        """Switch to the FENCE_ACTION mode; True when a recovery was started."""
        v = self.v
        if not v.armed or not v.flight.flying:
            return False
        action = v.params.get_int("FENCE_ACTION")
        targets = {1: Mode.RTL, 2: Mode.LAND, 3: Mode.RTL, 4: Mode.BRAKE, 5: Mode.RTL}
        target = targets.get(action)
        if target is None:
            return False
        if v.mode not in (target, Mode.LAND):
            if not v.set_mode(int(target), reason="fence"):
                v.set_mode(int(Mode.LAND), reason="fence")
        return True
