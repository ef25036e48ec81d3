"""The limits the checks apply: ``Limits`` (ceiling, line of sight, battery reserve, item count, margins)
and the ArduCopter 4.7 defaults the flight estimate and the item count rely on."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

# ArduCopter 4.7 defaults (params_copter_4.7.json) the estimate and the item count rely on.
MAX_MISSION_ITEMS = 650
CLIMB_MPS = 2.5  # WPNAV_SPEED_UP 250 cm/s
DESCENT_MPS = 1.5  # WPNAV_SPEED_DN 150 cm/s
LAND_MPS = 0.5  # LAND_SPEED 50 cm/s
LAND_ALT_LOW_M = 10.0  # LAND_ALT_LOW 1000 cm
RTL_ALT_M = 15.0  # RTL_ALT 1500 cm
RTL_LOITER_S = 5.0  # RTL_LOIT_TIME 5000 ms
FENCE_MARGIN_M = 2.0  # FENCE_MARGIN
DEFAULT_AREA_MARGIN_M = 50.0
# Exclusions are clipped to the operating area grown by this much, so their edges lie outside it.
_CLIP_MARGIN_M = 20.0


@dataclass(frozen=True)
class Limits:
    """The limits the checks apply; ``from_settings`` reads the configurable ones."""

    max_height_m: float = 120.0
    max_distance_m: float = 500.0
    reserve_pct: float = 25.0
    max_items: int = MAX_MISSION_ITEMS
    area_margin_m: float = DEFAULT_AREA_MARGIN_M
    fence_margin_m: float = FENCE_MARGIN_M
    climb_mps: float = CLIMB_MPS
    descent_mps: float = DESCENT_MPS
    land_mps: float = LAND_MPS
    land_alt_low_m: float = LAND_ALT_LOW_M
    rtl_alt_m: float = RTL_ALT_M
    rtl_loiter_s: float = RTL_LOITER_S
    min_clearance_m: float = 10.0  # above the ground, with a terrain model

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_height_m=float(getattr(settings, "DRONE_MAX_HEIGHT_M", 120.0)),
            max_distance_m=float(getattr(settings, "DRONE_MAX_DISTANCE_M", 500.0)),
            reserve_pct=float(getattr(settings, "DRONE_BATTERY_RESERVE_PCT", 25.0)),
            min_clearance_m=float(getattr(settings, "DRONE_MIN_CLEARANCE_M", 10.0)),
        )
