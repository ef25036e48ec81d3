"""A pure-Python ArduCopter 4.7 SITL look-alike speaking MAVLink 2 over TCP.

Built from recordings of a real ArduCopter SITL (see the project README's simulator section).
``Vehicle`` is one copter; ``simulators.fleet`` runs many on one asyncio loop.
"""

from __future__ import annotations

from simulators.arducopter.modes import Mode
from simulators.arducopter.vehicle import DEFAULT_HOME, HomeLocation, Vehicle, VehicleOptions

__all__ = ["DEFAULT_HOME", "HomeLocation", "Mode", "Vehicle", "VehicleOptions"]
