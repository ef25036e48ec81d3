"""A second ground station on a vehicle is reported as such, not as a flapping link (issue 10, item 9).

ArduCopter's SITL serves one TCP client per port; the next connection is accepted and waits,
unread and unanswered, until the first leaves (AP_HAL_SITL UARTDriver). The simulator does the
same. The bridge must say "another ground station is connected", once, leave the other station
alone, and take over when it leaves.
"""

from __future__ import annotations

import asyncio
import socket

import pytest
from pymavlink.dialects.v20 import ardupilotmega as mavlink

from drones.bridge.session import DroneLink, DroneSession
from drones.links import open_vehicle
from drones.mavlink.link import MavlinkLink
from drones.vehicle import VehicleEvent
from tests.sim import sim_fleet
from tests.waiting import wait_until_async

pytestmark = pytest.mark.asyncio

WALL_TIMEOUT_S = 30.0  # generous: the machine is shared; nothing here asserts a wall-clock duration


class Session:
    """A ``DroneSession`` running in the background, with its events and its connect attempts."""

    def __init__(self, connection: str, *, name: str = "巡逻一号", connect_timeout_s: float = 1.5) -> None:
        self.events: list[VehicleEvent] = []
        self.attempts = 0

        def factory(*args, **kwargs):
            self.attempts += 1
            return open_vehicle(*args, backend="pymavlink", **kwargs)

        self.session = DroneSession(
            DroneLink(drone_id=1, name=name, connection=connection, system_id=1),
            vehicle_factory=factory,
            on_event=lambda _drone, event: self.events.append(event),
            connect_timeout_s=connect_timeout_s,
        )
        self.task = asyncio.create_task(self.session.run())

    def kinds(self, kind: str) -> list[VehicleEvent]:
        return [e for e in self.events if e.kind == kind]

    async def stop(self) -> None:
        self.session.stop()
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


async def test_a_second_link_is_told_another_ground_station_holds_the_vehicle_and_takes_over_when_it_leaves():
    with sim_fleet(1) as sim:
        connection = sim.fleet.connection_strings[0]
        first = open_vehicle(connection, backend="pymavlink")
        await first.connect(timeout_s=10)
        second = Session(connection)
        try:
            await wait_until_async(lambda: second.session.status == "other_gcs", WALL_TIMEOUT_S, "the other-GCS state")
            assert second.session.error == "another ground station is connected to 巡逻一号"
            # It keeps waiting in the vehicle's queue, connection after connection, and says it once.
            attempts = second.attempts
            await wait_until_async(lambda: second.attempts >= attempts + 2, WALL_TIMEOUT_S, "two more waits")
            assert [e.text for e in second.kinds("other_gcs")] == [
                "Another ground station is connected to 巡逻一号: the vehicle accepts the connection but sends "
                "nothing, as ArduCopter does while it serves another; waiting for it to leave"
            ]
            assert second.kinds("link_lost") == [] and second.session.status == "other_gcs"
            # The first station was never disturbed: still connected, heartbeats still arriving.
            heard = first.telemetry().time_s
            await wait_until_async(
                lambda: first.telemetry().time_s > heard, WALL_TIMEOUT_S, "the first link's heartbeat"
            )
            assert not first.link.closed and first.telemetry().link_ok

            await first.close()
            await wait_until_async(lambda: second.session.status == "connected", WALL_TIMEOUT_S, "the take-over")
            await wait_until_async(
                lambda: second.session.latest.link_ok, WALL_TIMEOUT_S, "telemetry on the second link"
            )
            restored = second.kinds("link_restored")
            assert [e.text for e in restored] == ["Connected to 巡逻一号: the other ground station has left"]
            assert len(second.kinds("other_gcs")) == 1
        finally:
            await second.stop()
            await first.close()


async def test_two_bridge_sessions_on_one_vehicle_do_not_knock_each_other_off():
    with sim_fleet(1) as sim:
        connection = sim.fleet.connection_strings[0]
        first = Session(connection, name="巡逻一号")
        try:
            await wait_until_async(lambda: first.session.latest.link_ok, WALL_TIMEOUT_S, "the first session's link")
            second = Session(connection, name="巡逻一号 (second server)")
            try:
                await wait_until_async(
                    lambda: second.session.status == "other_gcs", WALL_TIMEOUT_S, "the second's state"
                )
                attempts = second.attempts
                await wait_until_async(lambda: second.attempts >= attempts + 2, WALL_TIMEOUT_S, "two more waits")
                # No flapping: the first kept its one connection throughout.
                assert first.attempts == 1 and first.kinds("link_lost") == []
                assert first.session.status == "connected" and first.session.latest.link_ok
                await first.stop()
                await wait_until_async(lambda: second.session.latest.link_ok, WALL_TIMEOUT_S, "the second's take-over")
                assert len(second.kinds("other_gcs")) == 1
            finally:
                await second.stop()
        finally:
            await first.stop()


async def test_a_refused_connection_is_offline_not_another_ground_station():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: connections are refused
        session = Session(f"tcp:127.0.0.1:{port}")
        try:
            await wait_until_async(lambda: session.session.status == "offline", WALL_TIMEOUT_S, "the offline state")
            assert "Connection refused" in session.session.error
            assert session.kinds("other_gcs") == []
        finally:
            await session.stop()


def _gcs_heartbeat(system_id: int, component_id: int) -> bytes:
    mav = mavlink.MAVLink(None, srcSystem=system_id, srcComponent=component_id)
    return mav.heartbeat_encode(mavlink.MAV_TYPE_GCS, mavlink.MAV_AUTOPILOT_INVALID, 0, 0, 4).pack(mav)


async def test_heartbeats_of_another_ground_station_on_the_link_are_reported_once_per_station():
    link = MavlinkLink("tcp:127.0.0.1:9")
    events: list[VehicleEvent] = []

    async def collect():
        async for event in link.events():
            events.append(event)

    task = asyncio.create_task(collect())
    await asyncio.sleep(0)
    for _ in range(3):
        link._on_data(_gcs_heartbeat(250, 190))  # e.g. QGroundControl forwarded from the vehicle's TELEM2
    link._on_data(_gcs_heartbeat(251, 0))
    await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    other = [e for e in events if e.kind == "other_gcs"]
    assert [(e.data["system_id"], e.data["component_id"]) for e in other] == [(250, 190), (251, 0)]
    assert other[0].text == "Another ground station (system 250, component 190) is also connected to the vehicle"
    # A ground station's heartbeat is not the vehicle's: it neither counts as the vehicle alive nor changes state.
    assert link.state.last_heartbeat == 0.0 and not link.state.link_ok
    assert set(link.other_gcs) == {(250, 190), (251, 0)}
