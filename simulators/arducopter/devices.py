"""Small simulated devices: GPS receiver, relays, auxiliary servos, battery monitor.

Battery (07): SITL's voltage follows SIM_BATT_VOLTAGE exactly, with no sag; hover current is
~28 A, so SYS_STATUS.battery_remaining falls ~1 % per 4 s in flight. Relays (04): RELAY1 is a
relay on pin 13; switching it makes SITL broadcast SIM_PIN_MASK (8192 = pin 13 high).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulators.arducopter.vehicle import Vehicle

MAV_BATTERY_CHARGE_STATE_OK = 1
MAV_BATTERY_CHARGE_STATE_LOW = 2
MAV_BATTERY_CHARGE_STATE_CRITICAL = 3

HOVER_CURRENT_A = 28.0
ARMED_IDLE_CURRENT_A = 2.0
RELAY_COUNT = 6


class Gps:
    """GPS 1. Disabled by SIM_GPS1_ENABLE=0 (as real SITL) or by the fault-injection API."""

    __slots__ = ("vehicle", "satellites", "last_fix_e7", "ever_had_fix", "fault_disabled")

    def __init__(self, vehicle: Vehicle) -> None:
        self.vehicle = vehicle
        self.satellites = 10
        self.last_fix_e7 = (0, 0, 0)
        self.ever_had_fix = False
        self.fault_disabled = False

    @property
    def enabled(self) -> bool:
        return not self.fault_disabled and self.vehicle.params.get("SIM_GPS1_ENABLE") != 0

    @property
    def has_fix(self) -> bool:
        ok = self.enabled and self.vehicle.boot.reached("gps_fix")
        if ok:
            self.ever_had_fix = True
        return ok


class Relays:
    """RELAY1..6 as configured by RELAYn_FUNCTION / RELAYn_PIN."""

    __slots__ = ("vehicle", "on_mask")

    def __init__(self, vehicle: Vehicle) -> None:
        self.vehicle = vehicle
        self.on_mask = 0

    @property
    def present_mask(self) -> int:
        params = self.vehicle.params
        mask = 0
        for i in range(RELAY_COUNT):
            name = f"RELAY{i + 1}_FUNCTION"
            if name in params and params.get(name) != 0:
                mask |= 1 << i
        return mask

    def set(self, instance: int, on: bool | None) -> bool:
        """Switch relay ``instance`` (0-based); ``on=None`` toggles. False if not configured."""
        if not 0 <= instance < RELAY_COUNT or not self.present_mask & (1 << instance):
            return False
        bit = 1 << instance
        state = (not self.on_mask & bit) if on is None else on
        self.on_mask = (self.on_mask | bit) if state else (self.on_mask & ~bit)
        params = self.vehicle.params
        pin_mask = 0
        for i in range(RELAY_COUNT):
            pin_name = f"RELAY{i + 1}_PIN"
            if self.on_mask & (1 << i) and pin_name in params and params.get(pin_name) >= 0:
                pin_mask |= 1 << int(params.get(pin_name))
        if "SIM_PIN_MASK" in params:
            params.set("SIM_PIN_MASK", pin_mask & 0x7FFF)
            self.vehicle.notify_param("SIM_PIN_MASK")
        return True


class Battery:
    """Battery monitor 1 (BATT_MONITOR 4 in SITL) and its consumption model."""

    __slots__ = ("vehicle", "consumed_mah", "consumed_wh", "current_a", "drain_scale")

    def __init__(self, vehicle: Vehicle) -> None:
        self.vehicle = vehicle
        self.consumed_mah = 0.0
        self.consumed_wh = 0.0
        self.current_a = 0.0
        self.drain_scale = 1.0

    @property
    def healthy(self) -> bool:
        return self.vehicle.boot.reached("battery") and self.vehicle.params.get("BATT_MONITOR") != 0

    @property
    def voltage_v(self) -> float:
        return max(0.0, self.vehicle.params.get("SIM_BATT_VOLTAGE"))

    @property
    def capacity_mah(self) -> float:
        return self.vehicle.params.get("BATT_CAPACITY")

    @property
    def remaining_pct(self) -> int:
        capacity = self.capacity_mah
        if capacity <= 0:
            return 100
        return max(0, min(100, int(100.0 * (1.0 - self.consumed_mah / capacity) + 1e-6)))

    @property
    def remaining_mah(self) -> float:
        return self.capacity_mah - self.consumed_mah

    @property
    def charge_state(self) -> int:
        level = self.vehicle.failsafe.battery_level
        if level >= 2:
            return MAV_BATTERY_CHARGE_STATE_CRITICAL
        if level == 1:
            return MAV_BATTERY_CHARGE_STATE_LOW
        return MAV_BATTERY_CHARGE_STATE_OK

    def step(self, dt_s: float) -> None:
        vehicle = self.vehicle
        if not vehicle.armed:
            self.current_a = 0.0
            return
        kin = vehicle.kin
        if vehicle.flight.flying:
            speed = kin.ground_speed_mps
            self.current_a = HOVER_CURRENT_A + 0.02 * speed * speed + 3.0 * max(0.0, kin.climb_mps)
        else:
            self.current_a = ARMED_IDLE_CURRENT_A
        amps = self.current_a * self.drain_scale
        self.consumed_mah += amps * dt_s / 3.6
        self.consumed_wh += amps * self.voltage_v * dt_s / 3600.0
