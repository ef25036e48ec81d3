"""Return to launch, as observed in 04/06/09 (README §6).

Phases: brake ~1 s, climb to the return altitude (the larger of RTL_ALT and the current
height, capped below FENCE_ALT_MAX), fly to home or the nearest rally point at RTL_SPEED
(0 = WPNAV_SPEED), loiter RTL_LOIT_TIME, then either descend to RTL_ALT_FINAL and hold, or land:
WPNAV_SPEED_DN down to LAND_ALT_LOW, LAND_SPEED below. The same machine flies the
NAV_RETURN_TO_LAUNCH mission item (the mode then stays AUTO).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from simulators.arducopter.navigation import Goto, Hold, Land, Nav, stopping_point

if TYPE_CHECKING:
    from simulators.arducopter.vehicle import Vehicle

RTL_START_DELAY_S = 1.0
ARRIVED_DIST_M = 1.0
# SITL hovers about 6 s over home for RTL_LOIT_TIME 5 s (05/06/08): the loiter timer starts
# once the position controller has settled on the return point, ~2 s after it is within 1 m.
RTL_ARRIVAL_SETTLE_S = 1.9


class Rtl(Nav):
    name = "rtl"

    def __init__(self, v: Vehicle) -> None:
        self.phase = "starting"
        self.phase_start_s = v.now_s
        dest_lat, dest_lon, rally_alt_m = rtl_destination(v)
        self.dest_north_m, self.dest_east_m = v.offset_from_origin(dest_lat, dest_lon)
        params = v.params
        current_rel = v.height_above_home_m()
        target_rel = max(params.get("RTL_ALT") / 100.0, current_rel + params.get("RTL_CLIMB_MIN") / 100.0)
        if rally_alt_m is not None:
            target_rel = max(target_rel, rally_alt_m)
        if v.fence.enabled and v.fence.type_mask & 1:
            target_rel = min(target_rel, params.get("FENCE_ALT_MAX") - params.get("FENCE_MARGIN"))
        self.return_height_m = v.kin_height_for_rel(target_rel)
        north, east = stopping_point(v)
        self._inner: Nav = Hold(north, east, v.kin.height_m)
        self._loiter_until_s = math.inf

    @property
    def reports_target(self) -> bool:  # type: ignore[override]
        return self.phase in ("return", "loiter")

    @property
    def landed_state(self) -> int:  # type: ignore[override]
        return 4 if self.phase == "land" else 2

    @property
    def landing(self) -> bool:
        return self.phase == "land"

    def _enter(self, v: Vehicle, phase: str) -> None:
        self.phase = phase
        self.phase_start_s = v.now_s
        kin = v.kin
        if phase == "climb":
            self._inner = Hold(kin.north_m, kin.east_m, self.return_height_m)
        elif phase == "return":
            speed = v.params.get("RTL_SPEED") / 100.0
            self._inner = Goto(
                self.dest_north_m, self.dest_east_m, self.return_height_m,
                speed_mps=speed if speed > 0 else None, face_course=False,
            )  # fmt: skip
        elif phase == "loiter":
            self._inner = Goto(self.dest_north_m, self.dest_east_m, self.return_height_m, face_course=False)
            self._loiter_until_s = v.now_s + v.params.get("RTL_LOIT_TIME") / 1000.0 + RTL_ARRIVAL_SETTLE_S
        elif phase == "final":
            final = v.params.get("RTL_ALT_FINAL") / 100.0
            self._inner = Hold(self.dest_north_m, self.dest_east_m, v.kin_height_for_rel(final))
        elif phase == "land":
            self._inner = Land(self.dest_north_m, self.dest_east_m)

    def step(self, v: Vehicle, dt_s: float) -> None:
        self._inner.step(v, dt_s)
        kin = v.kin
        now = v.now_s
        if self.phase == "starting" and now - self.phase_start_s >= RTL_START_DELAY_S:
            self._enter(v, "climb")
        elif self.phase == "climb" and kin.height_m >= self.return_height_m - 0.3:
            self._enter(v, "return")
        elif self.phase == "return":
            dist = math.hypot(self.dest_north_m - kin.north_m, self.dest_east_m - kin.east_m)
            if dist < ARRIVED_DIST_M and kin.ground_speed_mps < 0.5:
                self._enter(v, "loiter")
        elif self.phase == "loiter" and now >= self._loiter_until_s:
            self._enter(v, "final" if v.params.get("RTL_ALT_FINAL") > 0 else "land")

    def target_neh(self) -> tuple[float, float, float] | None:
        return self._inner.target_neh()


def rtl_destination(v: Vehicle) -> tuple[float, float, float | None]:
    """Home, or the closest rally point (RALLY_LIMIT_KM, RALLY_INCL_HOME) as (lat, lon, rally_alt)."""
    home = v.home
    kin = v.kin
    best: tuple[float, float, float | None] | None = None
    best_dist = math.inf
    if home is not None and (v.params.get("RALLY_INCL_HOME") or not v.missions.rally_points()):
        north, east = v.offset_from_origin(home.lat_deg, home.lon_deg)
        best = (home.lat_deg, home.lon_deg, None)
        best_dist = math.hypot(north - kin.north_m, east - kin.east_m)
    limit_m = v.params.get("RALLY_LIMIT_KM") * 1000.0
    for lat, lon, alt_rel in v.missions.rally_points():
        north, east = v.offset_from_origin(lat, lon)
        dist = math.hypot(north - kin.north_m, east - kin.east_m)
        if limit_m > 0 and home is not None:
            home_n, home_e = v.offset_from_origin(home.lat_deg, home.lon_deg)
            if math.hypot(home_n - kin.north_m, home_e - kin.east_m) < dist and dist > limit_m:
                continue
        if dist < best_dist:
            best, best_dist = (lat, lon, alt_rel), dist
    if best is None:
        lat, lon = v.position_latlon()
        return lat, lon, None
    return best
