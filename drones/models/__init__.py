"""Drone models, split by concept: the fleet and its live record (``fleet``), airspace (``airspace``),
missions and flights (``missions``)."""

from drones.models.airspace import Airspace, Market
from drones.models.fleet import (
    CONNECTION_SCHEMES,
    Battery,
    ControlLock,
    Drone,
    DroneEvent,
    Payload,
    Pilot,
    TrackPoint,
    validate_connection,
    validate_payloads,
)
from drones.models.missions import Flight, Mission
from drones.models.video import FlightSnapshot, VideoKind

__all__ = [
    "CONNECTION_SCHEMES",
    "Airspace",
    "Flight",
    "FlightSnapshot",
    "Market",
    "Mission",
    "Battery",
    "ControlLock",
    "Drone",
    "DroneEvent",
    "Payload",
    "Pilot",
    "TrackPoint",
    "VideoKind",
    "validate_connection",
    "validate_payloads",
]
