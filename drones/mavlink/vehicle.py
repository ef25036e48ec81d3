"""``MavlinkVehicle``: the ``drones.vehicle.Vehicle`` interface on a ``MavlinkLink``.

The operations (commands with COMMAND_ACK, parameters, missions, flight modes)
are ``drones.mavlink.commands.MavlinkCommands``, shared with the dronekit backend;
this class owns the asyncio pymavlink link: connect, streams, close.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from drones.mavlink.commands import (
    EXTRA_MESSAGE_INTERVALS,
    FORCE_ARM_MAGIC,
    MavlinkCommands,
    command_name,
    readiness_missing,
    result_name,
)
from drones.mavlink.link import MavlinkLink
from drones.vehicle import LinkLost, Telemetry, VehicleEvent

__all__ = [
    "EXTRA_MESSAGE_INTERVALS",
    "FORCE_ARM_MAGIC",
    "MavlinkVehicle",
    "command_name",
    "result_name",
]


class MavlinkVehicle(MavlinkCommands):
    """One ArduCopter over pymavlink. Safe to use from one asyncio loop."""

    def __init__(
        self,
        connection: str,
        *,
        system_id: int = 1,
        component_id: int = 1,
        stream_rate_hz: int = 4,
        heartbeat_timeout_s: float = 3.0,
        gcs_heartbeat_period_s: float = 1.0,
        command_timeout_s: float = 1.5,
        command_retries: int = 3,
    ) -> None:
        self.link = MavlinkLink(
            connection,
            target_system=system_id,
            target_component=component_id,
            heartbeat_timeout_s=heartbeat_timeout_s,
            gcs_heartbeat_period_s=gcs_heartbeat_period_s,
        )
        self.stream_rate_hz = stream_rate_hz
        self.command_timeout_s = command_timeout_s
        self.command_retries = command_retries

    # --- connection --------------------------------------------------------------------------

    async def connect(self, timeout_s: float = 30.0) -> None:
        await self.link.open(timeout_s=min(timeout_s, 10.0))
        try:
            await self.link.wait_for("HEARTBEAT", timeout_s=timeout_s)
            self.request_streams()
        except TimeoutError:
            await self.link.close()
            raise LinkLost(
                f"no heartbeat from system {self.link.target_system} on {self.link.connection} within {timeout_s:g} s"
            ) from None
        except BaseException:
            await self.link.close()  # a failed connect leaves no heartbeat or watchdog task behind
            raise

    @staticmethod
    def _not_ready(t: Telemetry) -> list[str]:
        return readiness_missing(t)

    def updates(self) -> AsyncIterator[Telemetry]:
        return self.link.updates()

    def events(self) -> AsyncIterator[VehicleEvent]:
        return self.link.events()

    async def close(self) -> None:
        await self.link.close()
