"""Flying a mission on the simulator: upload and verify, arm, AUTO, progress, landing; failures leave it safe."""

from __future__ import annotations

import pytest

from common.geo import haversine_m
from drones.links import open_vehicle
from drones.missions.execution import FlightPlan, MissionAborted, MissionRun, items_match, plan_from_wire, plan_to_wire
from drones.vehicle import MissionItem
from tests.sim import sim_fleet, wait_until

pytestmark = pytest.mark.asyncio

HOME = (36.185, 118.17)


def square_fence(lat: float, lon: float, half: float = 0.003) -> list[MissionItem]:
    corners = [(lat - half, lon - half), (lat - half, lon + half), (lat + half, lon + half), (lat + half, lon - half)]
    return [MissionItem(command=5001, frame=0, x=a, y=b, param1=4) for a, b in corners]


def short_plan(lat: float, lon: float) -> FlightPlan:
    mission = [
        MissionItem(command=16, frame=0, x=lat, y=lon, z=0),
        MissionItem(command=22, frame=3, z=15),
        MissionItem(command=16, frame=3, x=lat + 0.0004, y=lon, z=15),
        MissionItem(command=181, frame=2, param1=0, param2=1),  # loudspeaker on (RELAY1)
        MissionItem(command=16, frame=3, x=lat + 0.0004, y=lon + 0.0005, z=15),
        MissionItem(command=181, frame=2, param1=0, param2=0),  # loudspeaker off
        MissionItem(command=20, frame=0),
    ]
    rally = [MissionItem(command=5100, frame=3, x=lat + 0.0002, y=lon, z=20)]
    return FlightPlan(mission, square_fence(lat, lon), rally, speed_mps=8.0)


async def connected(connection: str):
    vehicle = open_vehicle(connection)
    await vehicle.connect(10)
    await vehicle.wait_ready(30)
    return vehicle


async def test_flies_a_mission_end_to_end_with_progress_and_loudspeaker():
    with sim_fleet(1) as sim:
        vehicle = await connected(sim.fleet.connection_strings[0])
        state = vehicle.telemetry()
        reports: list[tuple[str, dict]] = []

        async def report(kind, **data):
            reports.append((kind, data))

        plan = short_plan(state.lat, state.lon)
        run = MissionRun(vehicle, plan, report=report)
        try:
            await run.start()
            assert vehicle.telemetry().armed and vehicle.telemetry().mode == "AUTO"
            assert (
                await vehicle.download_mission()
                and items_match(plan.fence, await vehicle.download_mission(1), mission=False) is None
            )
            await wait_until(lambda: vehicle.telemetry().relay_on, 60, "loudspeaker on")
            await run.follow()
        finally:
            await vehicle.close()
    kinds = [k for k, _ in reports]
    assert kinds[0] == "step" and "started" in kinds and kinds[-1] == "landed"
    progress = [d for k, d in reports if k == "progress"]
    assert any(d["speaker"] for d in progress) and progress[-1]["speaker"] is False
    # Take-off, the two waypoints, and the final RTL (ArduCopter reports it at landing), in order.
    assert reports[-1][1]["reached"] == [1, 2, 4, 6]
    assert min(d["eta_s"] for d in progress) == 0


async def test_an_armed_vehicle_is_not_given_a_second_mission():
    with sim_fleet(1) as sim:
        vehicle = await connected(sim.fleet.connection_strings[0])
        try:
            await vehicle.set_mode("GUIDED")
            await vehicle.arm()
            reports = []

            async def report(kind, **data):
                reports.append((kind, data))

            with pytest.raises(MissionAborted, match="armed"):
                await MissionRun(vehicle, short_plan(*HOME), report=report).start()
            assert reports[-1][0] in ("safe", "failed")
        finally:
            await vehicle.close()


async def test_a_refused_upload_stops_before_arming_and_uploads_nothing_flyable():
    with sim_fleet(1) as sim:
        vehicle = await connected(sim.fleet.connection_strings[0])
        state = vehicle.telemetry()
        plan = short_plan(state.lat, state.lon)
        plan.mission[2] = MissionItem(command=60000, frame=3, x=state.lat, y=state.lon, z=15)  # unsupported
        reports = []

        async def report(kind, **data):
            reports.append((kind, data))

        try:
            with pytest.raises(MissionAborted, match="upload mission failed.*UNSUPPORTED"):
                await MissionRun(vehicle, plan, report=report).start()
            assert not vehicle.telemetry().armed
            assert reports[-1] == (
                "failed",
                {"step": "upload mission", "error": reports[-1][1]["error"], "code": "mission_transfer_failed"},
            )
        finally:
            await vehicle.close()


@pytest.mark.asyncio(loop_scope="function")
async def test_the_plan_survives_the_channel_layer_and_readback_quirks_are_accepted():
    plan = short_plan(*HOME)
    assert plan_from_wire(plan_to_wire(plan)).mission == plan.mission
    readback = [MissionItem(command=16, frame=0, x=36.0, y=118.0, z=300.1)]  # item 0 is the vehicle's home
    readback += [
        MissionItem(
            command=i.command,
            frame=0 if i.command == 181 else i.frame,
            x=i.x,
            y=i.y,
            z=i.z,
            param1=i.param1,
            param2=i.param2,
        )
        for i in plan.mission[1:]
    ]  # DO items: frame 0
    readback[2] = MissionItem(command=16, frame=3, x=plan.mission[2].x, y=plan.mission[2].y, z=15)
    assert items_match(plan.mission, readback, mission=True) is None
    moved = list(readback)
    moved[2] = MissionItem(command=16, frame=3, x=plan.mission[2].x + 0.001, y=plan.mission[2].y, z=15)
    assert "item 2: x" in items_match(plan.mission, moved, mission=True)
    assert haversine_m(*HOME, HOME[0] + 0.0004, HOME[1]) > 40
