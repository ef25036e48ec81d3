"""Vehicle time: wall time since boot multiplied by the speed-up factor.

SITL starts its clock when the first GCS connects on SERIAL0, so by default the clock starts
on the first TCP connection. ``time_boot_ms`` in messages runs ``BOOT_CLOCK_OFFSET_S`` ahead
of the connect-relative time the README uses (observed: HOME_POSITION.time_usec 20021988 at
t=19.924 s), so both the README timings and the message timestamps line up with SITL's.
"""

from __future__ import annotations

import time
from collections.abc import Callable

BOOT_CLOCK_OFFSET_S = 0.098


class VehicleClock:
    def __init__(self, speedup: float = 1.0, wall_clock: Callable[[], float] = time.monotonic) -> None:
        if speedup <= 0:
            raise ValueError(f"speedup must be > 0, got {speedup}")
        self.speedup = speedup
        self._wall_clock = wall_clock
        self._start_wall: float | None = None
        self._start_unix = 0.0

    @property
    def started(self) -> bool:
        return self._start_wall is not None

    def start(self) -> None:
        if self._start_wall is None:
            self._start_wall = self._wall_clock()
            self._start_unix = time.time()

    def now_s(self) -> float:
        """Vehicle seconds since boot (0 before the clock starts)."""
        if self._start_wall is None:
            return 0.0
        return (self._wall_clock() - self._start_wall) * self.speedup

    def wall_delay(self, vehicle_s: float) -> float:
        """Wall seconds that ``vehicle_s`` of vehicle time take."""
        return vehicle_s / self.speedup

    def unix_time_s(self, now_s: float) -> float:
        return self._start_unix + now_s
