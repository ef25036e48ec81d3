"""Flying a mission on the simulator: upload and verify, arm, AUTO, progress, landing; failures leave it safe."""

from __future__ import annotations

import asyncio
import dataclasses
import math
import time

import pytest

from common.geo import haversine_m
from drones.links import open_vehicle
from drones.missions.execution import FlightPlan, MissionAborted, MissionRun, items_match, plan_from_wire, plan_to_wire
from drones.vehicle import MissionItem, Telemetry, VehicleEvent
from tests.sim import sim_fleet
from tests.waiting import wait_until_async

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


@pytest.mark.slow
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
            await wait_until_async(lambda: vehicle.telemetry().relay_on, 60, "loudspeaker on")
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
    assert "item 2: latitude" in items_match(plan.mission, moved, mission=True)
    assert haversine_m(*HOME, HOME[0] + 0.0004, HOME[1]) > 40


# --- the read-back comparison, as ArduCopter returns items ------------------------------------

# Recording 04 (ArduCopter 4.7 SITL): what was uploaded (MISSION_ITEM_INT, x/y in 1e-7 degrees) and
# what the download returned. NAV_LOITER_TIME comes back with param3 1 (direction, clockwise),
# frame 6 as 3, DO items and RTL with frame 0, item 0 as the home.
RECORDED_04_SENT = [
    (16, 0, 361850000, 1181700000, 0, 0, 0, 0, 0),
    (22, 6, 0, 0, 20, 0, 0, 0, 0),
    (16, 6, 361858983, 1181700000, 20, 0, 0, 0, 0),
    (16, 6, 361858983, 1181711130, 20, 0, 0, 0, 0),
    (16, 6, 361850000, 1181711130, 20, 0, 0, 0, 0),
    (181, 2, 0, 0, 0, 0, 1, 0, 0),
    (19, 6, 361850000, 1181711130, 20, 10, 0, 0, 0),
    (183, 2, 0, 0, 0, 9, 1900, 0, 0),
    (181, 2, 0, 0, 0, 0, 0, 0, 0),
    (20, 6, 0, 0, 0, 0, 0, 0, 0),
]
RECORDED_04_GOT = [
    (16, 0, 361849999, 1181700000, 300.0899963378906, 0, 0, 0, 0),
    (22, 3, 0, 0, 20, 0, 0, 0, 0),
    (16, 3, 361858983, 1181700000, 20, 0, 0, 0, 0),
    (16, 3, 361858983, 1181711130, 20, 0, 0, 0, 0),
    (16, 3, 361850000, 1181711130, 20, 0, 0, 0, 0),
    (181, 0, 0, 0, 0, 0, 1, 0, 0),
    (19, 3, 361850000, 1181711130, 20, 10, 0, 1, 0),
    (183, 0, 0, 0, 0, 9, 1900, 0, 0),
    (181, 0, 0, 0, 0, 0, 0, 0, 0),
    (20, 0, 0, 0, 0, 0, 0, 0, 0),
]


def wire_items(rows) -> list[MissionItem]:
    return [
        MissionItem(command=c, frame=f, x=x / 1e7, y=y / 1e7, z=z, param1=p1, param2=p2, param3=p3, param4=p4)
        for c, f, x, y, z, p1, p2, p3, p4 in rows
    ]


@pytest.mark.asyncio(loop_scope="function")
async def test_a_point_broadcast_read_back_as_arducopter_returns_it_matches():
    assert items_match(wire_items(RECORDED_04_SENT), wire_items(RECORDED_04_GOT), mission=True) is None


def replaced(rows, seq: int, **changes) -> list[MissionItem]:
    items = wire_items(rows)
    items[seq] = dataclasses.replace(items[seq], **changes)
    return items


@pytest.mark.asyncio(loop_scope="function")
@pytest.mark.parametrize(
    ("seq", "changes", "expected"),
    [
        (6, {"param1": 12.0}, "item 6: loiter time s (param1) 12 on the vehicle, 10 sent"),
        (6, {"param3": -1.0}, "item 6: loiter direction (param3) -1 on the vehicle, 0 sent"),
        (6, {"z": 25.0}, "item 6: altitude 25 m on the vehicle, 20 m sent"),
        (3, {"x": 36.1860}, "item 3: latitude 36.186 on the vehicle, 36.1858983 sent"),
        (3, {"y": 118.1712}, "item 3: longitude 118.1712 on the vehicle, 118.171113 sent"),
        (3, {"frame": 0}, "item 3: frame 0 (absolute altitude) on the vehicle, 6 (relative altitude) sent"),
        (5, {"param1": 1.0}, "item 5: relay number (param1) 1 on the vehicle, 0 sent"),
        (5, {"param2": 0.0}, "item 5: relay state (param2) 0 on the vehicle, 1 sent"),
        (7, {"param2": 1100.0}, "item 7: servo PWM (param2) 1100 on the vehicle, 1900 sent"),
        (2, {"param1": 5.0}, "item 2: hold time s (param1) 5 on the vehicle, 0 sent"),
        (9, {"command": 21}, "item 9: command 21 on the vehicle, 20 sent"),
    ],
)
async def test_a_real_difference_in_the_read_back_still_fails_and_says_where(seq, changes, expected):
    assert items_match(wire_items(RECORDED_04_SENT), replaced(RECORDED_04_GOT, seq, **changes), mission=True) == (
        expected
    )


@pytest.mark.asyncio(loop_scope="function")
async def test_read_back_compares_what_arducopter_keeps_of_each_command():
    sent = [
        MissionItem(command=16, frame=0, x=36.185, y=118.17),
        MissionItem(command=178, frame=2, param1=1, param2=4.2, param3=-1, x=1.0, y=2.0, z=3.0),  # speed change
        MissionItem(command=19, frame=6, x=36.186, y=118.171, z=20.004, param1=10.7, param3=0, param4=0.5),
        MissionItem(command=16, frame=6, x=36.186, y=118.171, z=20, param1=3, param4=math.nan),  # NaN yaw
        MissionItem(command=115, frame=2, param1=90, param2=30, param3=1, param4=0),  # CONDITION_YAW
    ]
    got = [
        MissionItem(command=16, frame=0, x=36.18499, y=118.17, z=300.09),
        # float32 speed, no position or frame for a DO item
        MissionItem(command=178, frame=0, param1=1, param2=4.199999809265137, param3=-1),
        # whole seconds, direction +1, exit flag 1, altitude in whole centimetres
        MissionItem(command=19, frame=3, x=36.186, y=118.171, z=20.0, param1=10, param3=1, param4=1),
        MissionItem(command=16, frame=3, x=36.186, y=118.171, z=20, param1=3, param4=0),
        MissionItem(command=115, frame=0, param1=90, param2=30, param3=1, param4=0),
    ]
    assert items_match(sent, got, mission=True) is None
    faster = list(got)
    faster[1] = dataclasses.replace(got[1], param2=6.0)
    assert items_match(sent, faster, mission=True) == "item 1: speed m/s (param2) 6 on the vehicle, 4.2 sent"
    assert items_match(sent, got[:4], mission=True) == "the vehicle holds 4 items, 5 were sent"


@pytest.mark.asyncio(loop_scope="function")
async def test_fence_and_rally_items_are_compared_field_by_field():
    fence = square_fence(*HOME)
    assert items_match(fence, [dataclasses.replace(i, autocontinue=0) for i in fence], mission=False) is None
    moved = list(fence)
    moved[2] = dataclasses.replace(fence[2], param1=5)
    assert items_match(fence, moved, mission=False) == "item 2: param1 5 on the vehicle, 4 sent"
    # For a fence, item 0 is compared too (it is not the home).
    shifted = [dataclasses.replace(fence[0], x=fence[0].x + 0.001), *fence[1:]]
    assert items_match(fence, shifted, mission=False).startswith("item 0: x ")


# --- starting at the first item and judging completion (a scripted vehicle) --------------------


class ScriptedVehicle:
    """A ``Vehicle`` whose telemetry and events the test drives; uploads read back unchanged."""

    def __init__(self, *, start_at: int = 1, lat: float = HOME[0], lon: float = HOME[1]) -> None:
        self.state = Telemetry(time.time(), link_ok=True, mode="STABILIZE", lat=lat, lon=lon, alt_rel_m=0.0)
        self.start_at = start_at
        self.calls: list[tuple] = []
        self.stored: dict[int, list[MissionItem]] = {}
        self.queue: asyncio.Queue = asyncio.Queue()

    def telemetry(self) -> Telemetry:
        return self.state

    def set(self, **changes) -> None:
        self.state = dataclasses.replace(self.state, **changes)

    async def events(self):
        while True:
            yield await self.queue.get()

    def event(self, kind: str, text: str = "", **data) -> None:
        self.queue.put_nowait(VehicleEvent(time.time(), kind, text, 2, data))

    async def upload_mission(self, items, mission_type=0) -> None:
        self.stored[int(mission_type)] = list(items)

    async def download_mission(self, mission_type=0):
        return self.stored.get(int(mission_type), [])

    async def clear_mission(self, mission_type=0) -> None:
        self.stored[int(mission_type)] = []

    async def set_mode(self, name: str) -> None:
        self.calls.append(("mode", name))
        self.set(mode=name)

    async def set_mission_current(self, seq: int) -> None:
        self.calls.append(("current", seq))

    async def arm(self, *, force: bool = False) -> None:
        self.calls.append(("arm",))
        self.set(armed=True)

    async def disarm(self, *, force: bool = False) -> None:
        self.calls.append(("disarm",))
        self.set(armed=False)

    async def start_mission(self) -> int:
        self.calls.append(("start",))
        self.set(mode="AUTO", mission_seq=self.start_at)
        return self.start_at

    async def return_to_launch(self) -> None:
        self.calls.append(("rtl",))
        self.set(mode="RTL")


def speed_change_plan(lat: float, lon: float) -> FlightPlan:
    """Take-off, a waypoint, a speed change right after it, another waypoint, RTL."""
    mission = [
        MissionItem(command=16, frame=0, x=lat, y=lon),
        MissionItem(command=22, frame=3, z=15),
        MissionItem(command=16, frame=3, x=lat + 0.0004, y=lon, z=15),
        MissionItem(command=178, frame=2, param1=1, param2=4, param3=-1),
        MissionItem(command=16, frame=3, x=lat + 0.0004, y=lon + 0.0005, z=15),
        MissionItem(command=20, frame=0),
    ]
    return FlightPlan(mission, [], [], speed_mps=8.0)


def recorder():
    reports: list[tuple[str, dict]] = []

    async def report(kind, **data):
        reports.append((kind, data))

    return reports, report


@pytest.mark.asyncio(loop_scope="function")
async def test_every_start_makes_the_first_item_current_before_auto_and_arming():
    vehicle = ScriptedVehicle()
    reports, report = recorder()
    await MissionRun(vehicle, speed_change_plan(*HOME), report=report).start()
    assert vehicle.calls == [("mode", "GUIDED"), ("current", 1), ("arm",), ("start",)]
    assert ("started", {"seq": 1}) in reports


@pytest.mark.asyncio(loop_scope="function")
async def test_a_vehicle_resuming_an_old_mission_is_stopped_with_a_clear_error():
    vehicle = ScriptedVehicle(start_at=4)  # AUTO went on at item 4, where an aborted flight stopped
    reports, report = recorder()
    with pytest.raises(MissionAborted, match="started the mission at item 4, not at its first item 1"):
        await MissionRun(vehicle, speed_change_plan(*HOME), report=report).start()
    assert vehicle.calls[-1] == ("disarm",) and not vehicle.state.armed
    assert reports[-1][0] == "failed" and reports[-1][1]["code"] == "mission_start_item"


async def fly_scripted(vehicle: ScriptedVehicle, run: MissionRun, script) -> None:
    """Run ``follow`` while ``script`` changes the vehicle every 0.25 s (follow polls at 0.2 s)."""
    follow = asyncio.create_task(run.follow())
    for step in script:
        step()
        await asyncio.sleep(0.25)
    await asyncio.wait_for(follow, 5)


@pytest.mark.asyncio(loop_scope="function")
async def test_a_waypoint_hidden_by_a_speed_change_counts_as_reached_and_the_flight_completes():
    # ArduCopter reports MISSION_ITEM_REACHED 3 (the DO_CHANGE_SPEED) instead of 2, and the final RTL (5)
    # only at the disarm; MISSION_CURRENT goes 1, 2, 4, 5.
    vehicle = ScriptedVehicle()
    reports, report = recorder()
    run = MissionRun(vehicle, speed_change_plan(*HOME), report=report)
    await run.start()
    await fly_scripted(
        vehicle,
        run,
        [
            lambda: vehicle.set(alt_rel_m=15.0),
            lambda: (vehicle.event("reached", seq=1), vehicle.set(mission_seq=2)),
            lambda: (vehicle.event("reached", seq=3), vehicle.set(mission_seq=4)),
            lambda: vehicle.set(mission_seq=5),
            lambda: vehicle.set(alt_rel_m=0.0),
            lambda: (vehicle.event("reached", seq=5), vehicle.set(armed=False, mission_seq=0)),
        ],
    )
    kind, landed = reports[-1]
    assert kind == "landed" and landed["completed"] is True
    assert landed["reached"] == [1, 2, 4, 5] and landed["causes"] == []


@pytest.mark.asyncio(loop_scope="function")
async def test_landing_in_auto_on_the_final_rtl_completes_even_without_its_reached_message():
    vehicle = ScriptedVehicle()
    reports, report = recorder()
    run = MissionRun(vehicle, speed_change_plan(*HOME), report=report)
    await run.start()
    steps = [lambda: vehicle.set(alt_rel_m=15.0)]
    steps += [lambda s=s: vehicle.set(mission_seq=s) for s in (2, 4, 5)]
    steps += [lambda: vehicle.set(alt_rel_m=0.0, armed=False)]
    await fly_scripted(vehicle, run, steps)
    assert reports[-1][1]["completed"] is True and reports[-1][1]["reached"] == [1, 2, 4]


@pytest.mark.asyncio(loop_scope="function")
async def test_a_fence_breach_mid_mission_is_reported_and_the_flight_is_not_complete():
    vehicle = ScriptedVehicle()
    reports, report = recorder()
    run = MissionRun(vehicle, speed_change_plan(*HOME), report=report)
    await run.start()
    await fly_scripted(
        vehicle,
        run,
        [
            lambda: vehicle.set(alt_rel_m=15.0, mission_seq=2),
            lambda: (vehicle.event("fence", "Circle fence breached"), vehicle.set(mode="RTL")),
            lambda: vehicle.event("statustext", "Fence breach cleared"),
            lambda: vehicle.set(alt_rel_m=0.0),
            lambda: vehicle.set(armed=False, mission_seq=0),
        ],
    )
    assert ("interrupted", {"cause": "fence", "text": "Circle fence breached"}) in reports
    kind, landed = reports[-1]
    assert kind == "landed" and landed["completed"] is False and landed["causes"] == ["fence"]
    assert landed["reached"] == [1] and landed["mode"] == "RTL"


@pytest.mark.asyncio(loop_scope="function")
async def test_failsafes_and_link_loss_are_reported_as_outcome_causes():
    vehicle = ScriptedVehicle()
    reports, report = recorder()
    run = MissionRun(vehicle, speed_change_plan(*HOME), report=report)
    await run.start()
    await fly_scripted(
        vehicle,
        run,
        [
            lambda: vehicle.set(alt_rel_m=15.0),
            lambda: vehicle.event("link_lost", "No heartbeat for 3.1 s"),
            lambda: vehicle.event("failsafe", "Failsafe: GCS Failsafe", mode="RTL", failsafe="gcs"),
            lambda: vehicle.event("failsafe", "Failsafe: Battery Failsafe", mode="LAND", failsafe="battery"),
            lambda: vehicle.event("failsafe", "Failsafe: vehicle state CRITICAL", mode="LAND", failsafe="unknown"),
            lambda: vehicle.set(alt_rel_m=0.0, armed=False),
        ],
    )
    causes = [d["cause"] for k, d in reports if k == "interrupted"]
    assert causes == ["link_lost", "gcs_failsafe", "battery_failsafe", "other"]


# --- on the simulator -------------------------------------------------------------------------


@pytest.mark.slow
async def test_a_flight_after_an_interrupted_mission_starts_at_the_first_item_and_completes():
    with sim_fleet(1) as sim:
        vehicle = await connected(sim.fleet.connection_strings[0])
        state = vehicle.telemetry()
        plan = speed_change_plan(state.lat, state.lon)
        try:
            # An earlier flight left the mission at item 4: AUTO would resume there (MIS_RESTART=0).
            await vehicle.upload_mission(plan.mission)
            await vehicle.set_mission_current(4)
            assert vehicle.telemetry().mission_seq == 4
            reports, report = recorder()
            run = MissionRun(vehicle, plan, report=report)
            await run.start()
            assert ("started", {"seq": 1}) in reports
            await run.follow()
        finally:
            await vehicle.close()
    kind, landed = reports[-1]
    assert kind == "landed" and landed["completed"] is True, landed
    # Item 2, whose MISSION_ITEM_REACHED the speed change after it replaces, is reached too.
    assert landed["reached"] == [1, 2, 4, 5]


QUICK_RETURN = {"RTL_ALT": 1500, "RTL_LOIT_TIME": 0, "LAND_SPEED_HIGH": 300, "LAND_ALT_LOW": 100, "LAND_SPEED": 150}


@pytest.mark.slow
async def test_a_circle_fence_breach_on_the_simulator_is_the_one_cause_and_the_mission_is_not_complete():
    with sim_fleet(1) as sim:
        vehicle = await connected(sim.fleet.connection_strings[0])
        state = vehicle.telemetry()
        lat, lon = state.lat, state.lon
        fence = {"FENCE_ENABLE": 1, "FENCE_TYPE": 7, "FENCE_ACTION": 1, "FENCE_RADIUS": 40, "FENCE_ALT_MAX": 100}
        mission = [
            MissionItem(command=16, frame=0, x=lat, y=lon),
            MissionItem(command=22, frame=3, z=15),
            MissionItem(command=16, frame=3, x=lat + 0.0009, y=lon, z=15),  # 100 m north: past the 40 m circle
            MissionItem(command=20, frame=0),
        ]
        reports, report = recorder()
        try:
            for name, value in {**QUICK_RETURN, **fence}.items():
                await vehicle.set_param(name, value)
            run = MissionRun(vehicle, FlightPlan(mission, [], [], speed_mps=8.0), report=report)
            await run.start()
            await run.follow()
        finally:
            await vehicle.close()
    interruptions = [d for k, d in reports if k == "interrupted"]
    assert [d["cause"] for d in interruptions] == ["fence"], interruptions
    assert "fence" in interruptions[0]["text"].lower()
    kind, landed = reports[-1]
    assert kind == "landed" and landed["completed"] is False and landed["causes"] == ["fence"]
    assert landed["reached"] == [1] and landed["mode"] == "RTL"


@pytest.mark.asyncio(loop_scope="function")
async def test_a_gcs_failsafe_whose_text_was_lost_with_the_link_is_named_by_its_cleared_text():
    # The link drops; ArduCopter's "GCS Failsafe" goes out meanwhile and is lost. Once the link is
    # back, only "GCS Failsafe Cleared" arrives (the vehicle hears the ground station again).
    vehicle = ScriptedVehicle()
    reports, report = recorder()
    run = MissionRun(vehicle, speed_change_plan(*HOME), report=report)
    await run.start()
    await fly_scripted(
        vehicle,
        run,
        [
            lambda: vehicle.set(alt_rel_m=15.0, mission_seq=2),
            lambda: vehicle.event("link_lost", "No heartbeat for 3.1 s"),
            lambda: (vehicle.event("link_restored", "Link restored"), vehicle.set(mode="RTL")),
            lambda: vehicle.event("statustext", "GCS Failsafe Cleared"),
            lambda: vehicle.set(alt_rel_m=0.0, armed=False),
        ],
    )
    interrupted = [d for k, d in reports if k == "interrupted"]
    assert [d["cause"] for d in interrupted] == ["link_lost", "gcs_failsafe"]
    assert "GCS Failsafe" in interrupted[1]["text"] and "lost with the link" in interrupted[1]["text"]


@pytest.mark.asyncio(loop_scope="function")
async def test_a_critical_state_named_by_the_cleared_text_after_a_link_loss_counts_once():
    # As above, but the CRITICAL heartbeat came first and FailsafeNamer named it by the cleared text.
    vehicle = ScriptedVehicle()
    reports, report = recorder()
    run = MissionRun(vehicle, speed_change_plan(*HOME), report=report)
    await run.start()
    named = "Failsafe: GCS Failsafe (its own text was not received; named by “GCS Failsafe Cleared”)"
    await fly_scripted(
        vehicle,
        run,
        [
            lambda: vehicle.set(alt_rel_m=15.0, mission_seq=2),
            lambda: vehicle.event("link_lost", "No heartbeat for 3.1 s"),
            lambda: vehicle.event("statustext", "GCS Failsafe Cleared"),
            lambda: vehicle.event("failsafe", named, mode="RTL", failsafe="gcs", named_by="GCS Failsafe Cleared"),
            lambda: vehicle.set(alt_rel_m=0.0, armed=False),
        ],
    )
    assert [d["cause"] for k, d in reports if k == "interrupted"] == ["link_lost", "gcs_failsafe"]


@pytest.mark.asyncio(loop_scope="function")
async def test_a_cleared_text_without_a_link_loss_is_no_new_cause():
    vehicle = ScriptedVehicle()
    reports, report = recorder()
    run = MissionRun(vehicle, speed_change_plan(*HOME), report=report)
    await run.start()
    await fly_scripted(
        vehicle,
        run,
        [
            lambda: vehicle.set(alt_rel_m=15.0, mission_seq=2),
            lambda: vehicle.event("failsafe", "Failsafe: GCS Failsafe", mode="RTL", failsafe="gcs"),
            lambda: vehicle.event("statustext", "GCS Failsafe Cleared"),
            lambda: vehicle.set(alt_rel_m=0.0, armed=False),
        ],
    )
    assert [d["cause"] for k, d in reports if k == "interrupted"] == ["gcs_failsafe"]
