"""Whole missions flown as an operator flies them: through the HTTP API and the websockets the pages use,
on the project's simulated ArduCopter (``tests/drones/flying.py``), then judged by the flight log.

Each mission type: plan or generate it, check it, take control, preflight (set the required
parameters, record the approval, confirm), upload and start, watch to the ground, and read the log:
every waypoint reached in order, the loudspeaker on and off where planned, outcome "completed",
the flight time within ``DURATION_TOLERANCE`` of the plan's estimate (vehicle time, arming to
disarming), no fence breach, control held throughout. Then what goes wrong in the air: pause and
resume, abort and fly again, a fence breach, the ground station lost, the link lost and back,
and a flight past five minutes of vehicle time with the lock renewed the page's way.

Everything but ``test_free_waypoint_mission_flies_to_completion_as_planned`` is ``slow``.
"""

from __future__ import annotations

import json

import pytest

from common.roles import Role
from drones.models import Market
from tests.drones.flying import (
    HOME,
    NAV_RTL,
    PASSWORD,
    FlightRun,
    Operator,
    World,
    flight_of,
    flying_world,
    offset,
    planned_speaker,
)
from tests.factories import SchoolFactory, make_user, square

# Actual (vehicle) flight time within this fraction of the plan's estimate, either way. The issue
# measured the uncalibrated estimate 39 % low on patrol loops; SITL and the simulator agree within 4 %.
DURATION_TOLERANCE = 0.20
# Loudspeaker time in the log vs the estimate: this fraction, plus the log's resolution (its track has
# a point a wall second, i.e. one every ``speedup`` vehicle seconds; each end of the broadcast may be
# off by one).
BROADCAST_TOLERANCE = 0.35

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(settings):
    with flying_world(settings) as w:
        yield w


# --- planning through the API --------------------------------------------------------------------


def free_route(*, speaker: bool = False) -> list[dict]:
    """A 3-leg box north-east of home, 60-70 m legs, 25 m up; the loudspeaker on the middle leg."""
    a, b, c = offset(60, 0), offset(60, 70), offset(0, 70)
    return [
        {"lat": a[0], "lon": a[1], "alt_m": 25, **({"speaker": True} if speaker else {})},
        {"lat": b[0], "lon": b[1], "alt_m": 25, **({"speaker": False} if speaker else {})},
        {"lat": c[0], "lon": c[1], "alt_m": 25},
    ]


def create_mission(world: World, body: dict, path: str = "/api/drones/missions/") -> dict:
    mission = world.operator.ok("POST", path, {"drone": world.drone.pk, **body})
    assert mission["status"] == "ready", mission["validation"].get("violations")
    return mission


def generate(world: World, kind: str, **fields) -> dict:
    return create_mission(world, {"kind": kind, **fields}, "/api/drones/missions/generate/")


# --- judging a flight by its log -------------------------------------------------------------------


def flight_problems(run: FlightRun, *, speaker: bool) -> list[str]:
    """Every acceptance criterion of a mission flown to its end that the flight does not meet."""
    problems = []
    flight = run.flight
    if flight["status"] != "completed" or flight.get("outcome") != "completed":
        problems.append(f"status {flight['status']!r}, outcome {flight.get('outcome')!r}, expected completed")
    # Every waypoint reached, each once, in order (MISSION_ITEM_REACHED in the flight log).
    waypoints = run.waypoint_seqs()
    reached = list(dict.fromkeys(run.reached_in_log()))
    if not waypoints or [s for s in reached if s in waypoints] != waypoints:
        problems.append(f"waypoints {waypoints}, reached in the log {reached}")
    # No fence breach.
    if run.log["stats"]["fence_breaches"] or "fence" in run.log_kinds():
        problems.append(f"fence breaches: {run.log['stats']['fence_breaches']}")
    # Flight time, by the vehicle's clock, against the plan's estimate.
    estimate = run.estimate_s()
    actual = run.airborne_vehicle_s()
    if abs(actual - estimate) > DURATION_TOLERANCE * estimate:
        problems.append(
            f"flew {actual:.0f} s (vehicle time, arming to disarming), estimated {estimate:.0f} s: "
            f"{100 * (actual - estimate) / estimate:+.0f} %, tolerance ±{100 * DURATION_TOLERANCE:.0f} %"
        )
    # The log's own estimate against actual: by the vehicle's clock too (not the wall clock of a sped-up run).
    stats = run.log["stats"]
    if stats.get("actual_clock") != "vehicle" or not stats.get("ratio") or abs(stats["ratio"] - 1) > DURATION_TOLERANCE:
        problems.append(
            f"the log's estimate/actual: estimated {stats.get('estimated_s')} s, actual {stats.get('actual_s')} s "
            f"by the {stats.get('actual_clock')!r} clock, ratio {stats.get('ratio')}"
        )
    # The loudspeaker where planned: on after the planned switch-on, off after the switch-off.
    plan = planned_speaker(run.items())
    if speaker:
        problems += speaker_problems(run, plan)
    elif plan:
        problems.append(f"loudspeaker switched without a plan to: {plan}")
    # Control held for the whole flight.
    if run.lock_held_throughout():
        problems.append(run.lock_held_throughout())
    return problems


def speaker_problems(run: FlightRun, plan: list[tuple[int, bool]]) -> list[str]:
    if not plan or not plan[0][1] or plan[-1][1]:
        return [f"the uploaded items switch the loudspeaker {plan}, not on then off"]
    problems = []
    on_seq, off_seq = plan[0][0], plan[-1][0]
    # The switch runs when the NAV item before it completes, so the loudspeaker may show on while
    # MISSION_CURRENT still names that item, and off once it names the next NAV item after the switch-off.
    nav_before_on = max([s for s in run.waypoint_seqs() if s < on_seq] + [1])
    nav_after_off = min([s for s in run.waypoint_seqs() if s > off_seq] + [len(run.items()) - 1])

    def misplaced(points: list[tuple[int | None, bool]]) -> list[int | None]:
        return [seq for seq, on in points if on and not nav_before_on <= (seq or 0) <= nav_after_off]

    # What the flight page saw live (RELAY_STATUS through the websocket).
    live = run.speaker_switches()
    if not any(on for _seq, on in live) or live[-1][1] or misplaced(live):
        problems.append(f"live loudspeaker switches (item, on) {live}; planned on at {on_seq}, off at {off_seq}")
    # What the flight log keeps (the replay's track).
    track = [p for p in run.log["track"] if p["armed"]]
    if track and "speaker_on" not in track[0]:
        problems.append("the flight log's track has no speaker_on: the log cannot show the loudspeaker")
    else:
        points = [(p["mission_seq"], bool(p["speaker_on"])) for p in track]
        if not any(on for _s, on in points) or misplaced(points) or points[-1][1]:
            problems.append(f"loudspeaker in the log's track at items {[s for s, on in points if on]}")
    planned_s = run.mission()["validation"]["estimate"]["broadcast_s"]
    logged_s = run.log["stats"]["broadcast_s"] * run.world.sim.speedup
    if abs(logged_s - planned_s) > BROADCAST_TOLERANCE * planned_s + 2.0 * run.world.sim.speedup:
        problems.append(f"log: loudspeaker on {logged_s:.0f} s (vehicle), planned {planned_s:.0f} s")
    return problems


def assert_flown_as_planned(run: FlightRun, *, speaker: bool) -> None:
    problems = flight_problems(run, speaker=speaker)
    assert not problems, "\n".join(["the flight does not meet its acceptance criteria:", *problems, run.report()])


def fly(world: World, mission_id: int, *, speaker: bool = False) -> FlightRun:
    with flight_of(world, mission_id) as run:
        run.fly()
        run.wait_end()
    assert_flown_as_planned(run, speaker=speaker)
    return run


# --- one test per mission type ---------------------------------------------------------------------


@pytest.mark.slow
def test_free_waypoint_mission_flies_to_completion_as_planned(world):
    mission = create_mission(
        world, {"name": "Box", "kind": "free", "waypoints": free_route(speaker=True), "takeoff_alt_m": 25}
    )
    run = fly(world, mission["id"], speaker=True)
    assert run.items()[-1][0] == NAV_RTL
    assert run.log["stats"]["distance_m"] > 150


@pytest.mark.slow
def test_school_patrol_beyond_150_m_completes_without_a_circle_fence_breach(world):
    # The campus 165 m north of the launch point: the loop's far side is ~200 m out, past the
    # 150 m circle fence the simulator (and SITL's copter defaults) start with.
    lat, lon = offset(165, 0)
    school = SchoolFactory(lat=lat, lon=lon, campus=square(lat, lon, 0.0002))
    mission = generate(world, "school_patrol", school=school.pk, options={"laps": 1, "buffer_m": 10, "alt_m": 30})
    run = fly(world, mission["id"])
    far = max(run.distance_from_home_m(i[2], i[3]) for i in run.items()[2:] if i[2] or i[3])
    assert far > 160, f"the patrol reaches only {far:.0f} m out"
    assert run.fixed_params, "the preflight set no parameter (the simulator starts with FS_GCS_ENABLE 0)"


def _market(world: World) -> Market:
    start, end = offset(40, 20), offset(40, 110)
    return Market.objects.create(
        name="青石岭大集",
        kind="rural",
        lunar_days=[1, 6, 11, 16, 21, 26],
        street={"type": "LineString", "coordinates": [[start[1], start[0]], [end[1], end[0]]]},
    )


@pytest.mark.slow
def test_market_corridor_broadcast_on_relay1_completes_with_the_loudspeaker_over_the_market(world):
    market = _market(world)
    mission = generate(world, "market_broadcast", market=market.pk, options={"laps": 1, "alt_m": 30, "speed_mps": 8})
    run = fly(world, mission["id"], speaker=True)
    switches = [i for i in run.items() if i[0] == 181]
    assert switches and all(i[5] == 0 for i in switches), "the loudspeaker is switched on RELAY1 (relay instance 0)"


@pytest.mark.slow
def test_market_corridor_broadcast_with_the_loudspeaker_on_a_servo_switches_that_servo(settings):
    # The vehicle's owner gave SERVO9 to the loudspeaker (SERVO9_FUNCTION 0: free for DO_SET_SERVO).
    with flying_world(settings, params={"SERVO9_FUNCTION": 0}) as world:
        manager = make_user(Role.BUREAU_ADMIN, username="fleet")
        manager.set_password(PASSWORD)
        manager.save()
        fleet = Operator(world.base, "fleet")
        fleet.login(PASSWORD)
        speaker = {"output": "servo", "servo": 9, "on_pwm": 1900, "off_pwm": 1100}
        drone = fleet.ok("PATCH", f"{world.drone_path}/", {"speaker": speaker})
        assert drone.get("speaker", {}).get("output") == "servo", (
            f"the drone API keeps no loudspeaker output (PATCH speaker={speaker} -> {sorted(drone)})"
        )
        market = _market(world)
        mission = generate(
            world, "market_broadcast", market=market.pk, options={"laps": 1, "alt_m": 30, "speed_mps": 8}
        )
        run = fly(world, mission["id"], speaker=True)
        commands = {i[0] for i in run.items()}
        assert 183 in commands and 181 not in commands, "DO_SET_SERVO, not DO_SET_RELAY"
        pwm = [s.servo9_pwm for s in world.sim.samples if s.armed]
        assert 1900 in pwm and pwm[-1] == 1100, "the vehicle's SERVO9 went to 1900 µs and back to 1100 µs"


@pytest.mark.slow
def test_point_broadcast_hovers_with_the_loudspeaker_on_at_each_point(world):
    points = [list(offset(40, 20)), list(offset(40, 70))]
    mission = generate(world, "point_broadcast", points=points, options={"hold_s": 10, "alt_m": 30})
    run = fly(world, mission["id"], speaker=True)
    assert any(i[0] == 19 for i in run.items()), "the hovers are NAV_LOITER_TIME"


def _qgc_plan() -> bytes:
    def item(seq: int, command: int, frame: int, params: list, **extra) -> dict:
        return {"type": "SimpleItem", "autoContinue": True, "doJumpId": seq, "command": command, "frame": frame,
                "params": params, **extra}  # fmt: skip

    def wp(seq: int, north: float, east: float, command: int = 16, hold: float = 0) -> dict:
        lat, lon = offset(north, east)
        return item(seq, command, 3, [hold, 0, 0, None, lat, lon, 25], Altitude=25, AltitudeMode=1,
                    AMSLAltAboveTerrain=None)  # fmt: skip

    corners = [offset(-30, -30), offset(-30, 130), offset(110, 130), offset(110, -30)]
    plan = {
        "fileType": "Plan",
        "version": 1,
        "groundStation": "QGroundControl",
        "mission": {
            "version": 2,
            "firmwareType": 3,
            "vehicleType": 2,
            "cruiseSpeed": 8,
            "hoverSpeed": 5,
            "globalPlanAltitudeMode": 1,
            "plannedHomePosition": [HOME[0], HOME[1], 300],
            "items": [
                item(1, 22, 3, [0, 0, 0, None, HOME[0], HOME[1], 25], Altitude=25, AltitudeMode=1),
                item(2, 178, 2, [1, 6, -1, 0, 0, 0, 0]),
                wp(3, 70, 0),
                item(4, 181, 2, [0, 1, 0, 0, 0, 0, 0]),
                wp(5, 70, 60, command=19, hold=5),
                item(6, 181, 2, [0, 0, 0, 0, 0, 0, 0]),
                wp(7, 10, 60),
                item(8, 20, 2, [0, 0, 0, 0, 0, 0, 0]),
            ],
        },
        "geoFence": {
            "version": 2,
            "circles": [],
            "polygons": [{"inclusion": True, "version": 1, "polygon": [list(c) for c in corners]}],
        },
        "rallyPoints": {"version": 2, "points": [[*offset(-10, -10), 20]]},
    }
    return json.dumps(plan, indent=1).encode()


@pytest.mark.slow
def test_imported_qgc_plan_flies_to_completion_as_planned(world):
    mission = world.operator.ok(
        "POST",
        "/api/drones/missions/import/",
        multipart={"drone": world.drone.pk, "name": "From QGC", "file": ("patrol.plan", _qgc_plan())},
    )
    assert mission["status"] == "ready", mission["validation"].get("violations")
    run = fly(world, mission["id"], speaker=True)
    assert any(i[0] == 178 and i[6] == 6 for i in run.items()), "the plan's 6 m/s speed change is flown"


# --- in the air ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_pause_holds_position_and_resume_finishes_the_mission(world):
    mission = create_mission(world, {"name": "Box", "kind": "free", "waypoints": free_route(), "takeoff_alt_m": 25})
    with flight_of(world, mission["id"]) as run:
        run.fly()
        second = run.waypoint_seqs()[1]
        run.wait_current(second)
        status, body = run.command("pause")
        assert status == 200 and body["status"] == "paused", body
        paused_at = world.sim.now_s()
        run.wait(lambda: world.sim.now_s() > paused_at + 8, "8 s of hover", 30)
        held = [s for s in world.sim.samples if s.now_s > paused_at + 4]
        drift = max(run.distance_from_home_m(s.lat, s.lon) for s in held) - min(
            run.distance_from_home_m(s.lat, s.lon) for s in held
        )
        assert drift < 2.0, f"the paused drone moved {drift:.1f} m"
        assert run.flight["status"] == "paused" and run.last_state()["mission_seq"] == second
        status, body = run.command("resume")
        assert status == 200 and body["status"] == "flying", body
        run.wait_end()
    assert_flown_as_planned_after_a_pause(run)


def assert_flown_as_planned_after_a_pause(run: FlightRun) -> None:
    report = run.report()
    assert run.flight["status"] == "completed" and run.flight.get("outcome") == "completed", report
    reached = list(dict.fromkeys(run.reached_in_log()))
    assert [s for s in reached if s in run.waypoint_seqs()] == run.waypoint_seqs(), report
    assert run.lock_held_throughout() is None, run.lock_held_throughout()


@pytest.mark.slow
def test_abort_returns_home_and_the_next_flight_starts_at_the_first_item_and_completes(world):
    mission = create_mission(world, {"name": "Box", "kind": "free", "waypoints": free_route(), "takeoff_alt_m": 25})
    with flight_of(world, mission["id"]) as first:
        first.fly()
        first.wait_current(first.waypoint_seqs()[0])  # on its way to the first waypoint
        status, body = first.command("abort")
        assert status == 200 and body["status"] == "returning", body
        first.wait_end()
    report = first.report()
    assert first.flight["status"] == "aborted" and first.flight.get("outcome") == "aborted", report
    assert "pilot" in (first.flight.get("outcome_detail") or ""), f"aborted by whom? {report}"
    home = world.sim.samples[-1]
    assert first.distance_from_home_m(home.lat, home.lon) < 5, "RTL lands at the launch point"

    with flight_of(world, mission["id"]) as again:
        again.lock_taken = first.lock_taken
        again.fly()  # its websocket opened before the start: the first armed state is this flight's
        again.wait_current(1, timeout_vehicle_s=30)
        seqs = [s.get("mission_seq") for s in again.socket.states() if s.get("armed")]
        assert seqs and seqs[0] in (0, 1), f"the second flight began at item {seqs[:1]}, not the take-off"
        again.wait_end()
    assert_flown_as_planned(again, speaker=False)


@pytest.mark.slow
def test_fence_breach_returns_home_with_outcome_fence_and_an_alert_until_acknowledged(world):
    mission = create_mission(world, {"name": "Box", "kind": "free", "waypoints": free_route(), "takeoff_alt_m": 25})
    with flight_of(world, mission["id"]) as run:
        run.fly()
        # Fault: someone shrinks the vehicle's circle fence to 40 m mid-flight; the route reaches 92 m.
        world.sim.set_param("FENCE_TYPE", 7)
        world.sim.set_param("FENCE_RADIUS", 40)
        run.wait_end()
        alerts = run.alerts.of_type("alert") + run.socket.of_type("alert")
    report = run.report()
    assert run.flight["status"] != "completed" and run.flight.get("outcome") == "fence", report
    assert run.log["stats"]["fence_breaches"] == 1, report
    far = max(run.distance_from_home_m(s.lat, s.lon) for s in world.sim.samples if s.armed)
    assert far < 60, f"the drone went {far:.0f} m out past a 40 m fence"
    fence_alerts = [m["alert"] for m in alerts if m["alert"]["alert"] == "fence"]
    assert fence_alerts, f"no fence alert on the pages' websockets: {alerts}"
    open_alerts = world.operator.ok("GET", "/api/drones/alerts/")["results"]
    alert = next(a for a in open_alerts if a["alert"] == "fence")
    acked = world.operator.ok("POST", f"/api/drones/alerts/{alert['id']}/ack/")
    assert acked["acknowledged_by"] == "pilot"
    still_open = world.operator.ok("GET", "/api/drones/alerts/")["results"]
    assert alert["id"] not in [a["id"] for a in still_open]


@pytest.mark.slow
def test_gcs_heartbeat_loss_returns_home_with_outcome_gcs_failsafe(world):
    mission = create_mission(world, {"name": "Box", "kind": "free", "waypoints": free_route(), "takeoff_alt_m": 25})
    with flight_of(world, mission["id"]) as run:
        run.fly()
        run.wait_current(run.waypoint_seqs()[0])
        # Fault: the vehicle stops hearing this ground station (it now listens for GCS system 254),
        # while its telemetry still reaches the bridge: a one-way loss, ArduCopter's GCS failsafe.
        world.sim.set_param("MAV_GCS_SYSID", 254)
        run.wait_end()
        alerts = run.alerts.of_type("alert") + run.socket.of_type("alert")
    report = run.report()
    assert run.flight.get("outcome") == "gcs_failsafe", report
    assert any("GCS Failsafe" in e["text"] for e in run.log["events"]), report
    assert any(m["alert"]["alert"] == "failsafe" for m in alerts), f"no failsafe alert: {alerts}"
    last = world.sim.samples[-1]
    assert not last.armed and run.distance_from_home_m(last.lat, last.lon) < 5, "RTL landed at home"


@pytest.mark.slow
def test_link_lost_the_vehicle_returns_home_by_gcs_failsafe_and_the_flight_is_followed_to_the_ground(world):
    mission = create_mission(world, {"name": "Box", "kind": "free", "waypoints": free_route(), "takeoff_alt_m": 25})
    with flight_of(world, mission["id"]) as run:
        run.fly()
        run.wait_current(run.waypoint_seqs()[1])
        # Fault: the radio link drops both ways for at least 15 s of vehicle time and 4.5 wall seconds
        # (past the bridge's 3 s link watchdog, which runs on wall time), then comes back. ArduCopter:
        # after FS_GCS_TIMEOUT (5 s) the GCS failsafe switches to RTL; the mode stays RTL once the link
        # is back. The drop ends before the landing (RTL from ~90 m out at 25 m takes ~45 s).
        drop_s = max(15.0, 4.5 * world.sim.speedup)
        world.sim.call(lambda v: v.faults.drop_link(drop_s))
        run.wait_end()
    report = run.report()
    kinds = run.log_kinds()
    assert "link_lost" in kinds and "link_restored" in kinds, report
    assert kinds.index("link_lost") < kinds.index("link_restored"), report
    assert run.flight["status"] != "failed", report
    # The "GCS Failsafe" text is sent while the link is down (lost, on a real radio too): "GCS Failsafe
    # Cleared", once the link is back, names what ended the flight.
    assert run.flight.get("outcome") == "gcs_failsafe", report
    assert "link" in (run.flight.get("outcome_detail") or ""), report
    assert run.log["stats"]["link_losses"] == 1, report
    last = world.sim.samples[-1]
    assert not last.armed and run.distance_from_home_m(last.lat, last.lon) < 5, "RTL landed at home"


@pytest.mark.slow
def test_flight_over_5_minutes_keeps_control_by_the_flight_pages_lock_renewal(settings):
    # A 15 s lock (the page renews it every 5 s): a 5-minute flight (~40 wall seconds at speed-up 8)
    # outlives it more than twice; the lock and its renewal run on wall time, like the browser's timer.
    settings.DRONE_CONTROL_LOCK_S = 15
    with flying_world(settings) as world:
        route = [
            {"lat": lat, "lon": lon, "alt_m": 25, "hold_s": 60}
            for lat, lon in (offset(50, 0), offset(50, 60), offset(0, 60), offset(-40, 30))
        ]
        mission = create_mission(world, {"name": "Long", "kind": "free", "waypoints": route, "takeoff_alt_m": 25})
        assert mission["validation"]["estimate"]["flight_time_s"] > 300
        with flight_of(world, mission["id"]) as run:
            run.fly()
            assert run.renew_s is not None, "the flight page does not renew the control lock"
            run.wait_current(run.waypoint_seqs()[-1], timeout_vehicle_s=400)
            assert world.sim.now_s() - run.started_at_vehicle_s > 200
            # Late in the flight the operator can still command it.
            status, body = run.command("pause")
            assert status == 200, f"pause {world.sim.now_s() - run.started_at_vehicle_s:.0f} s in: {status} {body}"
            status, body = run.command("resume")
            assert status == 200, body
            run.wait_end()
        assert run.airborne_vehicle_s() > 300
        assert_flown_as_planned(run, speaker=False)
        # Every renewal answered 200 (assert_flown_as_planned); there were enough to outlive the lock.
        assert len(run.renewals) * run.renew_s > 2 * 15, f"{len(run.renewals)} renewals every {run.renew_s} s"
