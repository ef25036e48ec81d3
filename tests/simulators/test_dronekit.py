"""dronekit 2.9.2 against the simulator, as in recording 08: connect(wait_ready=True), arm, takeoff, goto, RTL."""

from __future__ import annotations

from collections.abc import Callable

from drones.compat import dronekit  # the one compatibility module (collections aliases for Python 3.11)
from tests.simulators.conftest import CopterUnderTest
from tests.simulators.gcs import meters_north
from tests.waiting import wait_until

SPEEDUP = 10.0


def test_dronekit_connect_arm_takeoff_goto_rtl(sim_factory: Callable[..., CopterUnderTest]) -> None:
    copter = sim_factory(speedup=SPEEDUP)  # dronekit's own timeouts are wall-clock: keep it moderate
    vehicle = dronekit.connect(copter.connection_string, wait_ready=True, heartbeat_timeout=30, timeout=60)
    try:
        assert vehicle.version.major == 4 and vehicle.version.minor == 7
        assert vehicle.parameters["RTL_ALT"] == 1500
        wait_until(lambda: vehicle.is_armable, 30, "the vehicle to become armable")
        vehicle.mode = dronekit.VehicleMode("GUIDED")
        wait_until(lambda: vehicle.mode.name == "GUIDED", 10, "GUIDED mode")
        vehicle.armed = True
        wait_until(lambda: vehicle.armed, 15, "the vehicle to arm")
        vehicle.simple_takeoff(10)
        wait_until(lambda: vehicle.location.global_relative_frame.alt >= 9.5, 40, "the take-off to 9.5 m")

        home = vehicle.location.global_frame
        target = dronekit.LocationGlobalRelative(meters_north(home.lat, 22), home.lon, 10)
        vehicle.simple_goto(target, groundspeed=5)
        wait_until(
            lambda: abs(vehicle.location.global_frame.lat - target.lat) * 111319.5 < 1.5,
            40,
            "the vehicle to reach the goto target",
        )

        vehicle.mode = dronekit.VehicleMode("RTL")
        wait_until(lambda: not vehicle.armed, 120, "RTL to land and disarm")
        assert vehicle.mode.name == "RTL"
    finally:
        vehicle.close()
