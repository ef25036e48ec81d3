"""A simulator vehicle driven tick by tick on a fake wall clock: deterministic, no sockets.

For tests of flight dynamics and message order that must not depend on how busy the test
machine is. Time is the vehicle's own (``vehicle.now_s``, the clock behind time_boot_ms).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from pymavlink.dialects.v20 import all as mavlink

from simulators.arducopter.clock import VehicleClock
from simulators.arducopter.physics import offset_to_latlon
from simulators.arducopter.vehicle import Vehicle, VehicleOptions

GCS_SYSID, GCS_COMPID = 255, 190
STEP_S = 0.02


class OfflineCopter:
    """One vehicle, a GCS heartbeat once per vehicle second, and every message it sent."""

    def __init__(self, *, fast_boot: bool = True, params: dict[str, float] | None = None) -> None:
        self.wall_s = 0.0
        self.vehicle = Vehicle(
            VehicleOptions(fast_boot=fast_boot, boot_on_connect=False, console_banner=False, params=params or {})
        )
        self.vehicle.clock = VehicleClock(1.0, wall_clock=lambda: self.wall_s)
        self.vehicle.link = self
        self.messages: list[tuple[float, Any]] = []  # (vehicle s, message)
        self._rx = mavlink.MAVLink(None)
        self._rx.robust_parsing = True
        self._tx = mavlink.MAVLink(None, srcSystem=GCS_SYSID, srcComponent=GCS_COMPID)
        self.heartbeats = True
        self._next_heartbeat_s = 0.0
        self.vehicle.start()

    # --- the link the vehicle writes to ----------------------------------------------------

    def write(self, data: bytes) -> None:
        for msg in self._rx.parse_buffer(data) or []:
            self.messages.append((self.vehicle.now_s, msg))

    # --- sending ---------------------------------------------------------------------------

    def send(self, msg: Any) -> None:
        decoder = mavlink.MAVLink(None)
        decoder.robust_parsing = True
        self.vehicle.on_messages(decoder.parse_buffer(msg.pack(self._tx)) or [])

    def command(self, command: int, *params: float) -> None:
        p = list(params) + [0.0] * (7 - len(params))
        self.send(mavlink.MAVLink_command_long_message(1, 1, command, 0, *p))

    def ack(self, command: int, since_s: float) -> Any:
        acks = [m for t, m in self.received("COMMAND_ACK", since_s) if m.command == command]
        assert acks, f"no COMMAND_ACK for {command}"
        return acks[-1]

    def param_set(self, name: str, value: float) -> None:
        self.send(mavlink.MAVLink_param_set_message(1, 1, name.encode(), value, 9))

    # --- time ------------------------------------------------------------------------------

    @property
    def now_s(self) -> float:
        return self.vehicle.now_s

    def run(self, vehicle_s: float, *, each: Callable[[], None] | None = None) -> None:
        end = self.wall_s + vehicle_s
        while self.wall_s < end - 1e-9:
            self._step(each)

    def run_until(
        self, condition: Callable[[], bool], timeout_s: float, *, each: Callable[[], None] | None = None
    ) -> float:
        end = self.wall_s + timeout_s
        while self.wall_s < end:
            self._step(each)
            if condition():
                return self.now_s
        raise AssertionError(f"condition not met within {timeout_s} vehicle s")

    def _step(self, each: Callable[[], None] | None) -> None:
        self.wall_s += STEP_S
        v = self.vehicle
        if self.heartbeats and v.now_s >= self._next_heartbeat_s:
            self._next_heartbeat_s = v.now_s + 1.0
            self.send(mavlink.MAVLink_heartbeat_message(6, 8, 0, 0, 4, 3))
        v.tick()
        if each is not None:
            each()

    # --- what the vehicle sent -----------------------------------------------------------------

    def received(self, msg_type: str, since_s: float = 0.0) -> list[tuple[float, Any]]:
        return [(t, m) for t, m in self.messages if t >= since_s and m.get_type() == msg_type]

    def texts(self, since_s: float = 0.0) -> list[str]:
        return [m.text for _, m in self.received("STATUSTEXT", since_s)]

    # --- flying ----------------------------------------------------------------------------

    def latlon(self, north_m: float, east_m: float) -> tuple[float, float]:
        """WGS-84 position ``north_m``/``east_m`` from home."""
        home = self.vehicle.home
        assert home is not None
        return offset_to_latlon(home.lat_deg, home.lon_deg, north_m, east_m)

    def from_home(self) -> tuple[float, float]:
        """The vehicle's (north, east) metres from home."""
        v = self.vehicle
        assert v.home is not None
        home_n, home_e = v.offset_from_origin(v.home.lat_deg, v.home.lon_deg)
        return v.kin.north_m - home_n, v.kin.east_m - home_e

    def wait_ready(self) -> None:
        """Until a HEARTBEAT past BOOT: the mode is reset and missions refused before that."""
        self.run_until(lambda: any(m.system_status != 1 for _, m in self.received("HEARTBEAT")), 10)

    def ready_in_guided(self) -> None:
        v = self.vehicle
        self.wait_ready()
        self.command(176, 1, 4)
        self.run_until(lambda: v.ekf_has_position() and v.arming.prearm_ok, 120)
        self.run(0.5)

    def arm(self) -> None:
        self.command(400, 1)
        self.run(0.1)
        assert self.vehicle.armed

    def takeoff(self, alt_m: float) -> None:
        v = self.vehicle
        self.ready_in_guided()
        self.arm()
        self.command(22, 0, 0, 0, 0, 0, 0, alt_m)
        self.run_until(lambda: abs(v.height_above_home_m() - alt_m) < 0.05 and abs(v.kin.vd_mps) < 0.05, 60)
        self.run(1.0)

    def goto(self, north_m: float, east_m: float, alt_rel_m: float) -> None:
        lat, lon = self.latlon(north_m, east_m)
        self.send(mavlink.MAVLink_set_position_target_global_int_message(
            0, 1, 1, 6, 0x0DF8, int(lat * 1e7), int(lon * 1e7), alt_rel_m, 0, 0, 0, 0, 0, 0, 0, 0
        ))  # fmt: skip

    def upload(self, items: list[tuple[int, float, float, float, tuple[float, ...]]]) -> Any:
        """Upload (command, north_m, east_m, alt_rel_m, params) items after home; returns the MISSION_ACK."""
        since = self.now_s
        rows = [(16, 0, *self.latlon(0, 0), 0.0, ())]
        for command, north, east, alt, params in items:
            lat, lon = self.latlon(north, east) if (north or east) else (0.0, 0.0)
            rows.append((command, 2 if command >= 112 else 6, lat, lon, alt, params))
        self.send(mavlink.MAVLink_mission_count_message(1, 1, len(rows), 0))
        for seq, (command, frame, lat, lon, alt, params) in enumerate(rows):
            self.run(0.02)
            p = list(params) + [0.0] * (4 - len(params))
            self.send(mavlink.MAVLink_mission_item_int_message(
                1, 1, seq, frame, command, 0, 1, *p, int(round(lat * 1e7)), int(round(lon * 1e7)), alt, 0
            ))  # fmt: skip
        self.run(0.2)
        acks = self.received("MISSION_ACK", since)
        assert acks, "no MISSION_ACK"
        return acks[-1][1]


def distance_to_path_m(point: tuple[float, float], path: list[tuple[float, float]]) -> float:
    """Shortest distance (m) from ``point`` to the polyline ``path`` (north, east pairs)."""
    best = math.inf
    px, py = point
    for (ax, ay), (bx, by) in zip(path, path[1:], strict=False):
        length2 = (bx - ax) ** 2 + (by - ay) ** 2
        t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / length2))
        best = min(best, math.hypot(px - ax - t * (bx - ax), py - ay - t * (by - ay)))
    return best
