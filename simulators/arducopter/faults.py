"""Fault injection for tests, beside the SITL-style parameters that real SITL also honours.

Prefer the parameters when a test should also run against real SITL:

* ``SIM_BATT_VOLTAGE`` - battery voltage (failsafes after BATT_LOW_TIMER);
* ``SIM_GPS1_ENABLE`` 0 - GPS 1 off (fix 0, EKF loses its position, EKF failsafe -> LAND).

The methods here do the same from Python, plus what SITL has no parameter for (dropping the
link). Call them on the simulator's event loop (``FleetThread.call``) - they touch vehicle
state. Durations are vehicle seconds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulators.arducopter.vehicle import Vehicle


class Faults:
    def __init__(self, vehicle: Vehicle) -> None:
        self.v = vehicle

    def drop_link(self, duration_s: float, *, close_socket: bool = False) -> None:
        """Stop sending and reading for ``duration_s``; optionally close the TCP connection and
        refuse new ones meanwhile (the vehicle keeps flying; GCS failsafe rules apply)."""
        if self.v.link is None:
            raise RuntimeError("vehicle has no TCP link")
        self.v.link.drop(duration_s, close_socket=close_socket)

    def lose_gps(self, duration_s: float | None = None) -> None:
        """GPS 1 stops reporting (as SIM_GPS1_ENABLE=0) for ``duration_s``, or until ``restore_gps``."""
        self.v.gps.fault_disabled = True
        if duration_s is not None:
            self.v.add_timer(duration_s, self.restore_gps)

    def restore_gps(self) -> None:
        self.v.gps.fault_disabled = False

    def low_battery(self, *, voltage_v: float | None = None, remaining_pct: float | None = None) -> None:
        """Set the battery voltage (SIM_BATT_VOLTAGE) and/or the remaining capacity."""
        v = self.v
        if voltage_v is not None:
            v.params.set("SIM_BATT_VOLTAGE", voltage_v)
            v.notify_param("SIM_BATT_VOLTAGE")
        if remaining_pct is not None:
            v.battery.consumed_mah = v.battery.capacity_mah * (1.0 - max(0.0, min(100.0, remaining_pct)) / 100.0)

    def drain_faster(self, factor: float) -> None:
        """Multiply the battery consumption (a 20-minute battery in a 2-minute test)."""
        self.v.battery.drain_scale = max(0.0, factor)
