"""Telemetry scheduling: REQUEST_DATA_STREAM, SET/GET_MESSAGE_INTERVAL and the burst sender.

Observed behaviour reproduced here (README §2 02, §3):

* Nothing streams by default (all MAVn_* rates are 0).
* ``REQUEST_DATA_STREAM`` writes the link's stream-rate parameters (``MAV1_*``: the simulator's
  one link is SERIAL0), without saving or announcing them: ALL sets every one but
  ``MAV1_PARAMS`` (08 read back MAV1_RAW_SENS..EXTRA3 and MAV1_ADSB 4, MAV1_PARAMS 0);
  ``start_stop`` other than 0/1 is ignored, 0 writes rate 0.
* ``REQUEST_DATA_STREAM(id, rate, 1)`` sets the interval of every message of that stream,
  replacing any SET_MESSAGE_INTERVAL override; ``start_stop=0`` stops it at once
  (``ALL`` stops everything, overrides included). There is no ACK.
* Requests made before "ArduPilot Ready" start together just after it. Later, a stream's
  first message starts one interval after the request and the rest two intervals after,
  then all share one grid, so every message due at a tick goes out in one burst, in
  ``BURST_ORDER``.
* Once AVAILABLE_MODES_MONITOR (5 s) is scheduled, new schedules wait for its next tick.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from simulators.arducopter.telemetry import BUILDERS
from simulators.arducopter.wire import spec

if TYPE_CHECKING:
    from simulators.arducopter.vehicle import Vehicle

STREAM_ALL = 0
STREAMS: dict[int, tuple[str, ...]] = {
    1: ("RAW_IMU", "SCALED_IMU2", "SCALED_IMU3", "SCALED_PRESSURE", "SCALED_PRESSURE2"),
    # FENCE_STATUS and POSITION_TARGET_GLOBAL_INT ride with EXTENDED_STATUS as in ArduCopter's
    # stream table; the recordings only show them "with the set".
    2: (
        "SYS_STATUS", "POWER_STATUS", "MEMINFO", "MISSION_CURRENT", "GPS_RAW_INT", "NAV_CONTROLLER_OUTPUT",
        "FENCE_STATUS", "POSITION_TARGET_GLOBAL_INT",
    ),
    3: ("SERVO_OUTPUT_RAW", "RC_CHANNELS"),
    4: (),
    6: ("GLOBAL_POSITION_INT", "LOCAL_POSITION_NED"),
    10: ("ATTITUDE", "AHRS2", "SIMSTATE", "ESC_TELEMETRY_1_TO_4"),
    11: ("VFR_HUD",),
    12: (
        "AHRS", "SYSTEM_TIME", "WIND", "TERRAIN_REPORT", "TERRAIN_REQUEST", "EKF_STATUS_REPORT", "VIBRATION",
        "BATTERY_STATUS",
    ),
}  # fmt: skip
# The message of each stream that starts one interval after the request (the others, two).
STREAM_LEADERS = {1: "RAW_IMU", 2: "SYS_STATUS", 3: "SERVO_OUTPUT_RAW", 6: "GLOBAL_POSITION_INT", 10: "ATTITUDE",
                  11: "VFR_HUD", 12: "AHRS"}  # fmt: skip
STREAM_OF: dict[str, int] = {name: sid for sid, names in STREAMS.items() for name in names}
# MAV_DATA_STREAM id -> the link's stream-rate parameter suffix (GCS_MAVLINK::streamRates).
STREAM_RATE_PARAMS = {1: "RAW_SENS", 2: "EXT_STAT", 3: "RC_CHAN", 4: "RAW_CTRL", 6: "POSITION", 10: "EXTRA1",
                      11: "EXTRA2", 12: "EXTRA3"}  # fmt: skip
# REQUEST_DATA_STREAM ALL also sets the ADSB rate (it has no stream id); PARAMS is left alone.
ALL_STREAM_RATE_PARAMS = (*STREAM_RATE_PARAMS.values(), "ADSB")
LINK_PARAM_PREFIX = "MAV1_"

# Order inside one burst (03, 05).
BURST_ORDER: tuple[str, ...] = (
    "AHRS", "AHRS2", "ATTITUDE", "GLOBAL_POSITION_INT", "VFR_HUD", "SYS_STATUS", "POWER_STATUS", "MEMINFO",
    "NAV_CONTROLLER_OUTPUT", "MISSION_CURRENT", "SERVO_OUTPUT_RAW", "RC_CHANNELS", "RAW_IMU", "SCALED_IMU2",
    "SCALED_IMU3", "SCALED_PRESSURE", "SCALED_PRESSURE2", "GPS_RAW_INT", "SYSTEM_TIME", "FENCE_STATUS", "SIMSTATE",
    "TERRAIN_REQUEST", "WIND", "TERRAIN_REPORT", "EKF_STATUS_REPORT", "LOCAL_POSITION_NED", "VIBRATION",
    "POSITION_TARGET_GLOBAL_INT", "BATTERY_STATUS", "ESC_TELEMETRY_1_TO_4",
    # not in any stream; only via SET_MESSAGE_INTERVAL
    "EXTENDED_SYS_STATE", "HOME_POSITION", "RELAY_STATUS", "GPS_GLOBAL_ORIGIN",
)  # fmt: skip
ORDER_INDEX = {name: i for i, name in enumerate(BURST_ORDER)}
MONITOR_INTERVAL_S = 5.0
# TERRAIN_REQUEST is not sent at the stream rate: ~2.4 Hz before the GPS fix, 0.5 Hz after.
TERRAIN_REQUEST_MIN_INTERVAL_S = (0.41, 2.0)


@dataclass(slots=True)
class _Schedule:
    name: str
    interval_s: float
    next_s: float
    spec_obj: object
    builder: object


class StreamScheduler:
    """Per-link message intervals and the burst sender."""

    def __init__(self, vehicle: Vehicle) -> None:
        self.vehicle = vehicle
        # message name -> schedule; only messages with an interval > 0 are present
        self._schedules: dict[str, _Schedule] = {}
        self._ordered: list[_Schedule] = []
        self._next_due_s = math.inf
        self._pending_until_ready: set[str] = set()
        self._stream_rates_hz: dict[int, int] = {}  # as REQUEST_DATA_STREAM last set them
        self.monitor_next_s: float | None = None

    # --- requests ----------------------------------------------------------------------

    def on_request_data_stream(self, stream_id: int, rate_hz: int, start_stop: int) -> None:
        """REQUEST_DATA_STREAM as received: stream-rate parameters, then the schedules."""
        if start_stop not in (0, 1):
            return
        freq = int(rate_hz) if start_stop == 1 else 0
        if stream_id == STREAM_ALL:
            suffixes: tuple[str, ...] = ALL_STREAM_RATE_PARAMS
        elif stream_id in STREAM_RATE_PARAMS:
            suffixes = (STREAM_RATE_PARAMS[stream_id],)
        else:
            return
        params = self.vehicle.params
        for suffix in suffixes:
            name = LINK_PARAM_PREFIX + suffix
            if name in params:
                params.set(name, freq, notify=False)
        self.request_data_stream(stream_id, rate_hz, bool(start_stop))

    def request_data_stream(self, stream_id: int, rate_hz: int, start: bool) -> None:
        stream_ids = [sid for sid in STREAMS if sid != 4] if stream_id == STREAM_ALL else [stream_id]
        if stream_id not in STREAMS and stream_id != STREAM_ALL:
            return
        for sid in stream_ids:
            names = STREAMS[sid]
            self._stream_rates_hz[sid] = rate_hz if start else 0
            if not start or rate_hz <= 0:
                for name in names:
                    self._remove(name)
                    self._pending_until_ready.discard(name)
                continue
            interval = 1.0 / rate_hz
            if not self.vehicle.boot.reached("ready"):
                for name in names:
                    self._schedule(name, interval, math.inf)
                    self._pending_until_ready.add(name)
                continue
            start_s = self._start_time(interval)
            leader = STREAM_LEADERS.get(sid)
            for name in names:
                first = start_s if (name == leader or self.monitor_next_s is not None) else start_s + interval
                self._schedule(name, interval, first)
        self._rebuild()

    def set_message_interval(self, name: str, interval_s: float) -> None:
        """``interval_s`` > 0 sets it, 0 restores the stream default, < 0 disables."""
        if interval_s < 0:
            self._remove(name)
        elif interval_s == 0:
            # back to the message's stream rate (the MAVn_* defaults are all 0 in this build)
            rate = self._stream_rates_hz.get(STREAM_OF.get(name, -1), 0)
            if rate > 0:
                self._schedule(name, 1.0 / rate, self._start_time(1.0 / rate))
            else:
                self._remove(name)
        else:
            self._schedule(name, interval_s, self._start_time(interval_s))
        self._rebuild()

    def interval_us(self, name: str) -> int:
        sched = self._schedules.get(name)
        if sched is None:
            return -1
        return int(round(sched.interval_s * 1e6))

    def start_monitor(self) -> None:
        if self.monitor_next_s is None:
            self.monitor_next_s = self.vehicle.now_s + MONITOR_INTERVAL_S
            self._next_due_s = min(self._next_due_s, self.monitor_next_s)

    def on_ready(self) -> None:
        """Streams asked for during boot start just after "ArduPilot Ready"."""
        start = self.vehicle.now_s + self.vehicle.boot.profile.stream_start_delay_s
        for name in self._pending_until_ready:
            sched = self._schedules.get(name)
            if sched is not None:
                sched.next_s = start
        self._pending_until_ready.clear()
        self._rebuild()

    def _start_time(self, interval_s: float) -> float:
        if self.monitor_next_s is not None:
            return self.monitor_next_s
        return self.vehicle.now_s + interval_s

    def _schedule(self, name: str, interval_s: float, first_s: float) -> None:
        if name not in BUILDERS:
            return
        self._schedules[name] = _Schedule(name, interval_s, first_s, spec(name), BUILDERS[name])

    def _remove(self, name: str) -> None:
        self._schedules.pop(name, None)

    def _rebuild(self) -> None:
        self._ordered = sorted(self._schedules.values(), key=lambda s: ORDER_INDEX.get(s.name, 999))
        nxt = min((s.next_s for s in self._ordered), default=math.inf)
        if self.monitor_next_s is not None:
            nxt = min(nxt, self.monitor_next_s)
        self._next_due_s = nxt

    @property
    def active_names(self) -> list[str]:
        return [s.name for s in self._ordered]

    # --- sending -----------------------------------------------------------------------

    def tick(self, now_s: float) -> None:
        if now_s < self._next_due_s:
            return
        vehicle = self.vehicle
        frame = vehicle.framer.frame
        out = vehicle.outbox
        nxt = math.inf
        terrain_slow = TERRAIN_REQUEST_MIN_INTERVAL_S[1 if vehicle.gps.ever_had_fix else 0]
        for sched in self._ordered:
            if sched.next_s <= now_s:
                interval = sched.interval_s
                if sched.name == "TERRAIN_REQUEST":
                    interval = max(interval, terrain_slow)
                payload = sched.builder(vehicle)
                if payload is not None:
                    out.append(frame(sched.spec_obj, payload))
                # keep the grid; skip missed slots rather than bursting to catch up
                sched.next_s += interval
                if sched.next_s <= now_s:
                    sched.next_s += math.ceil((now_s - sched.next_s) / interval + 1e-9) * interval
            if sched.next_s < nxt:
                nxt = sched.next_s
        if self.monitor_next_s is not None and self.monitor_next_s <= now_s:
            vehicle.send_fields("AVAILABLE_MODES_MONITOR", {"seq": 0})
            self.monitor_next_s += MONITOR_INTERVAL_S
        if self.monitor_next_s is not None:
            nxt = min(nxt, self.monitor_next_s)
        self._next_due_s = nxt
