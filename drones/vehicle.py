"""The one small, typed interface the rest of the code uses to talk to a drone.

Services, the telemetry bridge and mission execution depend on ``Vehicle``
and the types here, never on pymavlink or dronekit directly. Implementations
live in ``drones.mavlink`` (asyncio, pymavlink) and ``drones.dronekit_link``
(dronekit 2.9.2 behind ``drones.compat``); ``drones.links.open_vehicle`` picks one.

Frames and units: positions are WGS-84 degrees; ``alt_rel_m`` is metres above
the home position, ``alt_msl_m`` above mean sea level; speeds in m/s; headings
in degrees clockwise from true north; times as UNIX seconds (``time.time()``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass, field
from enum import IntEnum
from typing import Any, Protocol, runtime_checkable


class MissionType(IntEnum):
    """MAV_MISSION_TYPE."""

    MISSION = 0
    FENCE = 1
    RALLY = 2


@dataclass(frozen=True, slots=True)
class Telemetry:
    """A normalized snapshot of a vehicle's state. ``None`` means not reported yet."""

    time_s: float
    link_ok: bool = False
    mode: str = ""
    armed: bool = False
    system_status: str = ""  # MAV_STATE name without prefix: BOOT, STANDBY, ACTIVE, CRITICAL...
    lat: float | None = None
    lon: float | None = None
    alt_rel_m: float | None = None
    alt_msl_m: float | None = None
    heading_deg: float | None = None
    groundspeed_mps: float | None = None
    climb_mps: float | None = None
    battery_v: float | None = None
    battery_pct: int | None = None
    gps_fix: int = 0  # GPS_FIX_TYPE: 0-1 none, 2 2D, 3 3D, 4 DGPS, 5 RTK float, 6 RTK fixed
    satellites: int | None = None
    ekf_ok: bool = False
    mission_seq: int | None = None  # MISSION_CURRENT.seq
    mission_total: int | None = None  # MISSION_CURRENT.total (items excluding home)
    home_lat: float | None = None
    home_lon: float | None = None
    home_alt_msl_m: float | None = None
    relay_on: bool | None = None  # RELAY_STATUS bit 0 (the loudspeaker relay), when reported
    # The vehicle's clock (ms since boot, GLOBAL_POSITION_INT.time_boot_ms) when the position was
    # measured: how old the position is (staleness), and what end-to-end latency is measured from.
    vehicle_time_ms: int | None = None
    # Values the vehicle sent that were not finite or not plausible, per field, and were dropped
    # (``drones.mavlink.telemetry.VALUE_LIMITS``). Not hashed: a dict.
    dropped_values: dict[str, int] = field(default_factory=dict, hash=False)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def has_position(self) -> bool:
        return self.lat is not None and self.lon is not None and self.gps_fix >= 3


@dataclass(frozen=True, slots=True)
class VehicleEvent:
    """Something the vehicle said or did, for the event log and the live page.

    ``kind`` is one of ``drones.models.DroneEvent.Kind`` values; ``severity`` a
    MAV_SEVERITY number.
    """

    time_s: float
    kind: str
    text: str
    severity: int = 6
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MissionItem:
    """One MISSION_ITEM_INT. ``x``/``y`` are degrees (scaled by 1e7 on the wire for global frames)."""

    command: int
    frame: int = 3  # MAV_FRAME_GLOBAL_RELATIVE_ALT
    x: float = 0.0
    y: float = 0.0
    z: float = 0.0
    param1: float = 0.0
    param2: float = 0.0
    param3: float = 0.0
    param4: float = 0.0
    autocontinue: int = 1
    current: int = 0


class VehicleError(Exception):
    """Base of every vehicle failure: a stable ``code`` and a human ``message``."""

    code = "vehicle_error"

    def __init__(self, message: str, **details: Any):
        super().__init__(message)
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return self.message


class CommandRejected(VehicleError):
    """The vehicle answered with a MAV_RESULT other than ACCEPTED.

    ``result`` is the MAV_RESULT name (e.g. ``FAILED``, ``DENIED``,
    ``UNSUPPORTED``); ``reasons`` the STATUSTEXTs that came with it
    (ArduCopter sends ``Arm: ...`` lines next to a refused arm).
    """

    code = "command_rejected"

    def __init__(self, command: str, result: str, reasons: Sequence[str] = ()):
        reasons = tuple(reasons)
        text = f"{command} rejected by the vehicle: {result}"
        if reasons:
            text += " (" + "; ".join(reasons) + ")"
        super().__init__(text, command=command, result=result, reasons=list(reasons))
        self.command = command
        self.result = result
        self.reasons = reasons


class CommandTimeout(VehicleError):
    """No answer (ACK, echo or state change) within the time limit."""

    code = "timeout"

    def __init__(self, what: str, timeout_s: float):
        super().__init__(f"{what}: no answer from the vehicle within {timeout_s:g} s", what=what, timeout_s=timeout_s)


class LinkLost(VehicleError):
    """No heartbeat within the link timeout, or the connection closed."""

    code = "link_lost"


class MissionTransferFailed(VehicleError):
    """A mission/fence/rally upload or download failed; ``result`` is the MAV_MISSION_RESULT name."""

    code = "mission_transfer_failed"


class NotReady(VehicleError):
    """The vehicle is connected but not ready (no position, EKF or GPS not good) within the time limit."""

    code = "not_ready"


@runtime_checkable
class Vehicle(Protocol):
    """A connected vehicle. Every method raises a ``VehicleError`` subclass on failure."""

    async def connect(self, timeout_s: float = 30.0) -> None:
        """Open the link, wait for the first HEARTBEAT, request telemetry streams."""

    async def wait_ready(self, timeout_s: float = 90.0) -> Telemetry:
        """Wait until the vehicle has a position, a good EKF and a 3D GPS fix."""

    def telemetry(self) -> Telemetry:
        """The latest snapshot (never blocks)."""

    def updates(self) -> AsyncIterator[Telemetry]:
        """Snapshots as messages arrive (one per received message that changed state)."""

    def events(self) -> AsyncIterator[VehicleEvent]:
        """Mode changes, arming, failsafes, STATUSTEXTs, link lost/restored."""

    async def arm(self, *, force: bool = False) -> None: ...

    async def disarm(self, *, force: bool = False) -> None: ...

    async def set_mode(self, name: str) -> None:
        """Switch flight mode by ArduCopter name (``GUIDED``, ``AUTO``, ``RTL``...); confirmed by HEARTBEAT."""

    async def takeoff(self, alt_rel_m: float) -> None:
        """NAV_TAKEOFF in GUIDED (the vehicle must be armed)."""

    async def goto(self, lat: float, lon: float, alt_rel_m: float) -> None:
        """Fly to a position in GUIDED."""

    async def get_param(self, name: str) -> float: ...

    async def set_param(self, name: str, value: float) -> float:
        """Set and return the value the vehicle echoed."""

    async def upload_mission(
        self, items: Sequence[MissionItem], mission_type: MissionType = MissionType.MISSION
    ) -> None:
        """Upload ``items`` (item 0 is home for MISSION: ArduCopter replaces it with its home)."""

    async def download_mission(self, mission_type: MissionType = MissionType.MISSION) -> list[MissionItem]: ...

    async def clear_mission(self, mission_type: MissionType = MissionType.MISSION) -> None: ...

    async def set_mission_current(self, seq: int) -> None:
        """Make mission item ``seq`` the one AUTO starts at (DO_SET_MISSION_CURRENT), confirmed by
        MISSION_CURRENT. ArduCopter resumes an interrupted mission where it stopped otherwise."""

    async def start_mission(self) -> int:
        """AUTO and MISSION_START (ArduCopter needs MISSION_START on the ground); returns the item the
        vehicle then flies (the first MISSION_CURRENT.seq after the start)."""

    async def pause(self) -> None:
        """Hold position (DO_PAUSE_CONTINUE 0 in AUTO, BRAKE otherwise)."""

    async def resume(self) -> None: ...

    async def return_to_launch(self) -> None: ...

    async def land(self) -> None: ...

    async def close(self) -> None: ...
