"""Which telemetry becomes a stored track point: every second in flight, once a minute when parked.

A drone standing on the ground with its motors disarmed would otherwise write a row a second for as
long as it is connected (17 million rows a day at 200 drones). Parked means disarmed, slower than
``PARKED_SPEED_MPS`` and within ``PARKED_MOVE_M`` of its last stored point; a parked drone gets a point
every ``DRONE_TRACK_PARKED_S`` seconds. Anything else keeps the full 1 Hz: armed (every flight, so the
flight log keeps full resolution), moving, or the first point after a change between armed and
disarmed.
"""

from __future__ import annotations

from dataclasses import dataclass

from common.geo import haversine_m

PARKED_SPEED_MPS = 0.5
PARKED_MOVE_M = 2.0


@dataclass(frozen=True)
class StoredPoint:
    """The last point stored for a drone: when (seconds), where, and whether it was armed."""

    at_s: float
    lat: float
    lon: float
    armed: bool


def keep_track_point(
    previous: StoredPoint | None,
    *,
    at_s: float,
    lat: float,
    lon: float,
    armed: bool,
    groundspeed_mps: float | None,
    parked_period_s: float,
) -> bool:
    """Whether this sample is stored (``parked_period_s`` 0: every sample is)."""
    if previous is None or parked_period_s <= 0 or armed or previous.armed:
        return True
    if groundspeed_mps is not None and groundspeed_mps > PARKED_SPEED_MPS:
        return True
    if haversine_m(previous.lat, previous.lon, lat, lon) > PARKED_MOVE_M:
        return True
    return at_s - previous.at_s >= parked_period_s
