"""The loudspeaker (喊话器) on a relay or a servo output, per drone: edited on the page and through the
API, compiled into the missions and plan files of that drone, and shown live from the output it is on."""

from __future__ import annotations

import asyncio
import json
import math

import pytest
from django.urls import reverse
from pymavlink.dialects.v20 import ardupilotmega as mavlink

from common.models import AuditLogEntry
from common.roles import Role
from drones.bridge.session import DroneLink, DroneSession
from drones.links import open_vehicle
from drones.mavlink.telemetry import TelemetryState
from drones.missions import interop
from drones.missions.compile import compile_route
from drones.missions.items import CMD_DO_SET_RELAY, CMD_DO_SET_SERVO
from drones.missions.planning import mission_items
from drones.missions.route import Waypoint, parse_route
from drones.missions.speaker import DEFAULT_SPEAKER, SpeakerConfig
from drones.models import Drone, Mission
from simulators.arducopter.physics import offset_to_latlon
from simulators.arducopter.vehicle import DEFAULT_HOME
from tests.factories import make_user
from tests.sim import SPEEDUP, sim_fleet
from tests.waiting import wait_until_async

HOME_LAT, HOME_LON = DEFAULT_HOME.lat_deg, DEFAULT_HOME.lon_deg
SERVO = SpeakerConfig(output="servo", servo=9, on_pwm=1900, off_pwm=1100)
GOOD = {
    "name": "巡逻九号",
    "serial": "X9",
    "airframe": "quad",
    "connection": "tcp:127.0.0.1:5790",
    "system_id": 1,
    "payloads": ["loudspeaker"],
    "endurance_min": 28,
    "cruise_speed_mps": 9,
    "status": "available",
}


def near_home(north_m: float, east_m: float) -> tuple[float, float]:
    return offset_to_latlon(HOME_LAT, HOME_LON, north_m, east_m)


def speaker_route() -> list[Waypoint]:
    """Three waypoints 25-35 m from home at 10 m: the loudspeaker on at the first, off at the last."""
    return [
        Waypoint(*near_home(25, 0), 10, speaker=True),
        Waypoint(*near_home(25, 25), 10),
        Waypoint(*near_home(0, 25), 10, speaker=False),
    ]


# --- the model, the page and the API ------------------------------------------------------------


def test_a_new_drone_keeps_its_loudspeaker_on_relay1():
    drone = Drone(**{k: v for k, v in GOOD.items() if k != "payloads"})
    assert drone.speaker_config() == DEFAULT_SPEAKER == SpeakerConfig(output="relay", relay=0)


def test_a_servo_drone_gives_the_compiler_its_channel_and_pwms():
    drone = Drone(
        name="S", speaker_output="servo", speaker_servo=10, speaker_on_pwm=1950, speaker_off_pwm=1050
    )  # fmt: skip
    assert drone.speaker_config() == SpeakerConfig(output="servo", servo=10, on_pwm=1950, off_pwm=1050)


@pytest.fixture
def operator(client, db):
    user = make_user(Role.DRONE_OPERATOR)
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return user


@pytest.mark.django_db
def test_the_edit_page_sets_a_servo_loudspeaker_and_it_is_audited(client, operator):
    form = {**GOOD, "speaker_output": "servo", "speaker_relay": 0, "speaker_servo": 9}
    form |= {"speaker_on_pwm": 1900, "speaker_off_pwm": 1100}
    response = client.post(reverse("drones:drone_add"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    drone = Drone.objects.get(serial="X9")
    assert drone.speaker_config() == SERVO
    assert AuditLogEntry.objects.get(action="drone.create").after["speaker_servo"] == 9
    page = client.get(reverse("drones:drone_edit", args=[drone.pk])).content.decode()
    assert 'name="speaker_output"' in page and 'name="speaker_on_pwm"' in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("speaker_servo", 17, "less than or equal to 16"),
        ("speaker_servo", 0, "greater than or equal to 1"),
        ("speaker_servo", 3, "drives a motor"),
        ("speaker_on_pwm", 2300, "less than or equal to 2200"),
        ("speaker_off_pwm", 700, "greater than or equal to 800"),
        ("speaker_off_pwm", 1900, "must differ"),
        ("speaker_relay", 16, "less than or equal to 15"),
        ("speaker_output", "gpio", "Select a valid choice"),
    ],
)
def test_the_edit_page_refuses_a_bad_loudspeaker_output_naming_the_field(client, operator, field, value, message):
    form = {**GOOD, "speaker_output": "servo", "speaker_relay": 0, "speaker_servo": 9}
    form |= {"speaker_on_pwm": 1900, "speaker_off_pwm": 1100, field: value}
    response = client.post(reverse("drones:drone_add"), form)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in str(errors[field]), errors
    assert not Drone.objects.exists() and not AuditLogEntry.objects.exists()


@pytest.mark.django_db
def test_the_api_patches_the_loudspeaker_onto_a_servo_and_shows_it(client, operator):
    drone = Drone.objects.create(**{k: v for k, v in GOOD.items()})
    url = reverse("drones_api:drone-detail", args=[drone.pk])
    assert client.get(url).json()["speaker"] == DEFAULT_SPEAKER.as_dict()

    response = client.patch(url, {"speaker": {"output": "servo", "servo": 9}}, content_type="application/json")
    assert response.status_code == 200, response.json()
    assert response.json()["speaker"] == SERVO.as_dict()  # PWMs left out keep their values
    drone.refresh_from_db()
    assert drone.speaker_config() == SERVO
    entry = AuditLogEntry.objects.get(action="drone.update")
    assert (entry.before["speaker_output"], entry.after["speaker_output"]) == ("relay", "servo")

    response = client.patch(url, {"speaker": {"on_pwm": 1000, "off_pwm": 2000}}, content_type="application/json")
    assert response.status_code == 200 and response.json()["speaker"]["on_pwm"] == 1000


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("speaker", "key", "message"),
    [
        ({"output": "servo", "servo": 17}, "servo", "less than or equal to 16"),
        ({"output": "servo", "servo": 2}, "servo", "drives a motor of a Quadcopter"),
        ({"output": "servo", "on_pwm": 2500}, "on_pwm", "less than or equal to 2200"),
        ({"output": "servo", "off_pwm": 500}, "off_pwm", "greater than or equal to 800"),
        ({"output": "servo", "on_pwm": 1500, "off_pwm": 1500}, "off_pwm", "must differ"),
        ({"output": "gpio"}, "output", "not a valid choice"),
        ({"relay": -1}, "relay", "greater than or equal to 0"),
    ],
)
def test_the_api_refuses_a_bad_loudspeaker_output_naming_the_field(client, operator, speaker, key, message):
    drone = Drone.objects.create(**GOOD)
    url = reverse("drones_api:drone-detail", args=[drone.pk])
    response = client.patch(url, {"speaker": speaker}, content_type="application/json")
    assert response.status_code == 400
    errors = response.json()["speaker"]
    assert key in errors and message in str(errors[key]), errors
    drone.refresh_from_db()
    assert drone.speaker_config() == DEFAULT_SPEAKER and not AuditLogEntry.objects.exists()


@pytest.mark.django_db
def test_the_api_refuses_a_servo_that_the_new_airframe_uses_for_a_motor(client, operator):
    drone = Drone.objects.create(**GOOD, speaker_output="servo", speaker_servo=5)
    url = reverse("drones_api:drone-detail", args=[drone.pk])
    response = client.patch(url, {"airframe": "hexa"}, content_type="application/json")
    assert response.status_code == 400 and "drives a motor of a Hexacopter" in str(response.json()["speaker"])


@pytest.mark.django_db
def test_a_viewer_cannot_change_the_loudspeaker_output(client):
    drone = Drone.objects.create(**GOOD)
    client.force_login(make_user(Role.LEADERSHIP))  # sees the fleet, may not change it
    url = reverse("drones_api:drone-detail", args=[drone.pk])
    response = client.patch(url, {"speaker": {"output": "servo"}}, content_type="application/json")
    assert response.status_code == 403
    drone.refresh_from_db()
    assert drone.speaker_output == "relay"


# --- missions and plan files ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_servo_drones_missions_and_plan_files_switch_that_servo():
    drone = Drone.objects.create(**GOOD, speaker_output="servo", speaker_servo=10, speaker_on_pwm=1950)
    route = [wp.as_dict() for wp in speaker_route()]
    mission = Mission.objects.create(
        name="M", drone=drone, waypoints=route, takeoff_alt_m=10, launch_lat=HOME_LAT, launch_lon=HOME_LON
    )
    items = mission_items(mission, parse_route(mission.waypoints))
    switches = [(i.command, i.param1, i.param2) for i in items if i.command in (CMD_DO_SET_RELAY, CMD_DO_SET_SERVO)]
    assert switches == [(CMD_DO_SET_SERVO, 10.0, 1950.0), (CMD_DO_SET_SERVO, 10.0, 1100.0)]

    plan = interop.plan_from_mission(mission)
    exported = json.loads(interop.plan_dumps(plan))
    commands = [entry["command"] for entry in exported["mission"]["items"]]
    assert CMD_DO_SET_SERVO in commands and CMD_DO_SET_RELAY not in commands
    # The file reads back as the same route for this drone, and is refused for a RELAY1 drone.
    back = interop.plan_import(interop.plan_dumps(plan), speaker=drone.speaker_config())
    assert back.route == plan.route
    with pytest.raises(interop.PlanFileError, match="servo output 10"):
        interop.plan_import(interop.plan_dumps(plan))


@pytest.mark.django_db
def test_a_relay1_drone_still_compiles_do_set_relay():
    drone = Drone.objects.create(**GOOD)
    mission = Mission.objects.create(
        name="M",
        drone=drone,
        waypoints=[wp.as_dict() for wp in speaker_route()],
        takeoff_alt_m=10,
        launch_lat=HOME_LAT,
        launch_lon=HOME_LON,
    )
    items = mission_items(mission, parse_route(mission.waypoints))
    assert [(i.param1, i.param2) for i in items if i.command == CMD_DO_SET_RELAY] == [(0.0, 1.0), (0.0, 0.0)]


# --- live telemetry -------------------------------------------------------------------------------


def servo_output_raw(port: int = 0, **outputs: int):
    values = {f"servo{n}_raw": outputs.get(f"servo{n}", 0) for n in range(1, 17)}
    return mavlink.MAVLink_servo_output_raw_message(time_usec=0, port=port, **values)


def relay_status(on: int, present: int = 0xFFFF):
    return mavlink.MAVLink_relay_status_message(time_boot_ms=0, on=on, present=present)


def test_telemetry_reads_a_servo_loudspeaker_from_servo_output_raw():
    state = TelemetryState()
    state.watch_speaker(servo=9, on_pwm=1900, off_pwm=1100)
    assert state.relay_on is None
    assert state.apply(servo_output_raw(servo9=1900)) and state.relay_on is True
    state.apply(servo_output_raw(servo9=1500))  # the middle counts as on
    assert state.relay_on is True
    state.apply(servo_output_raw(servo9=1499))
    assert state.relay_on is False
    state.apply(servo_output_raw(servo9=1900, servo10=1100))
    state.apply(servo_output_raw(port=1, servo9=1100))  # outputs 17-32: not the loudspeaker
    assert state.relay_on is True
    state.apply(relay_status(on=0))  # the relays say nothing about a servo loudspeaker
    assert state.relay_on is True and state.snapshot().relay_on is True
    state.apply(servo_output_raw(servo9=0))  # no pulses at all
    assert state.relay_on is False


def test_telemetry_reads_an_inverted_servo_and_another_relay():
    state = TelemetryState()
    state.watch_speaker(servo=12, on_pwm=1000, off_pwm=2000)
    state.apply(servo_output_raw(servo12=1100))
    assert state.relay_on is True
    state.apply(servo_output_raw(servo12=1800))
    assert state.relay_on is False

    state.watch_speaker(relay=2)  # RELAY3
    assert state.relay_on is None and not state.apply(servo_output_raw(servo12=1100))
    state.apply(relay_status(on=0b001))
    assert state.relay_on is False
    state.apply(relay_status(on=0b100))
    assert state.relay_on is True


def test_telemetry_reads_relay1_by_default():
    state = TelemetryState()
    assert not state.apply(servo_output_raw(servo9=1900))
    state.apply(relay_status(on=1))
    assert state.relay_on is True


def test_open_vehicle_watches_the_speaker_it_is_given_and_a_session_follows_an_edit():
    vehicle = open_vehicle("tcp:127.0.0.1:5760", backend="pymavlink", speaker=SERVO)
    assert vehicle.link.state.speaker_servo == 9
    assert open_vehicle("tcp:127.0.0.1:5760", backend="pymavlink").link.state.speaker_servo is None

    session = DroneSession(
        DroneLink(1, "D", "tcp:127.0.0.1:5760", 1, speaker=SERVO), vehicle_factory=open_vehicle, on_event=print
    )
    assert session.link == DroneLink(1, "D", "tcp:127.0.0.1:5760", 1)  # an edit needs no reconnect
    session.vehicle = vehicle
    session.speaker_set(SpeakerConfig(output="relay", relay=1))
    assert session.link.speaker.relay == 1 and vehicle.link.state.speaker_servo is None
    assert vehicle.link.state.speaker_relay == 1


# --- on the simulator -----------------------------------------------------------------------------

QUICK_LANDING = {"RTL_ALT": 1000, "RTL_LOIT_TIME": 0, "LAND_SPEED_HIGH": 300, "LAND_ALT_LOW": 100, "LAND_SPEED": 150}


def wall(vehicle_s: float) -> float:
    return vehicle_s / SPEEDUP * 1.5 + 1.0


@pytest.mark.slow
@pytest.mark.asyncio
async def test_a_bridge_session_shows_a_servo_loudspeaker_turn_on_and_off_in_flight():
    items = compile_route(speaker_route(), launch=(HOME_LAT, HOME_LON), takeoff_alt_m=10, speed_mps=6, speaker=SERVO)
    assert [(i.param1, i.param2) for i in items if i.command == CMD_DO_SET_SERVO] == [(9, 1900), (9, 1100)]
    with sim_fleet() as fleet:
        sim = fleet.fleet.vehicles[0]
        session = DroneSession(
            DroneLink(1, "D", fleet.fleet.connection_strings[0], 1, speaker=SERVO),
            vehicle_factory=lambda *args, **kwargs: open_vehicle(*args, backend="pymavlink", **kwargs),
            on_event=lambda _drone, _event: None,
        )
        task = asyncio.create_task(session.run())
        try:
            await wait_until_async(lambda: session.vehicle is not None and session.latest.link_ok, wall(30), "link")
            vehicle = session.vehicle
            await vehicle.wait_ready(timeout_s=wall(60))
            for name, value in QUICK_LANDING.items():
                await vehicle.set_param(name, value)
            await vehicle.upload_mission(items)
            live: list[bool | None] = []

            def speaker() -> bool | None:
                on = session.latest.relay_on
                if not live or live[-1] != on:
                    live.append(on)
                return on

            await wait_until_async(lambda: speaker() is False, wall(10), "the loudspeaker reported off before take-off")
            await vehicle.set_mode("GUIDED")
            await vehicle.arm()
            await vehicle.start_mission()
            await wait_until_async(lambda: speaker() is True, wall(90), "the loudspeaker live on")
            await wait_until_async(lambda: speaker() is False, wall(90), "the loudspeaker live off")
            await wait_until_async(lambda: (speaker(), not session.latest.armed)[1], wall(120), "landing and disarm")
            assert live == [False, True, False], live
            assert sim.servo_pwm[8] == 1100  # SERVO9 back at its off PWM
            t = session.latest
            assert math.dist((t.lat, t.lon), (HOME_LAT, HOME_LON)) < 3e-5
        finally:
            session.stop()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


@pytest.mark.django_db
def test_a_page_post_without_the_loudspeaker_fields_keeps_the_output(client, operator):
    drone = Drone.objects.create(**GOOD, speaker_output="servo", speaker_servo=11)
    response = client.post(reverse("drones:drone_edit", args=[drone.pk]), {**GOOD, "notes": "edited"})
    assert response.status_code == 302
    drone.refresh_from_db()
    assert (drone.notes, drone.speaker_output, drone.speaker_servo) == ("edited", "servo", 11)


@pytest.mark.asyncio
@pytest.mark.parametrize("backend", ["pymavlink", "dronekit"])
async def test_both_backends_show_a_servo_loudspeaker_switched_on_the_simulator(backend):
    with sim_fleet() as fleet:
        vehicle = open_vehicle(
            fleet.fleet.connection_strings[0],
            backend=backend,
            speaker=SERVO,
            **({"download_params": False} if backend == "dronekit" else {}),
        )
        await vehicle.connect(timeout_s=10)
        try:
            t = vehicle.telemetry
            # SERVO_OUTPUT_RAW rides with the RC_CHANNELS stream, one of the streams the link asks for.
            await wait_until_async(lambda: t().relay_on is False, wall(10), "SERVO_OUTPUT_RAW: loudspeaker off")
            await vehicle.command(CMD_DO_SET_SERVO, 9, 1900)
            await wait_until_async(lambda: t().relay_on is True, wall(10), "SERVO9 at 1900 µs: loudspeaker on")
            await vehicle.command(CMD_DO_SET_SERVO, 9, 1100)
            await wait_until_async(lambda: t().relay_on is False, wall(10), "SERVO9 at 1100 µs: loudspeaker off")
        finally:
            await vehicle.close()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_bridge_reads_the_loudspeaker_as_the_drone_was_edited_without_reconnecting():
    from asgiref.sync import sync_to_async

    from drones.bridge.protocol import call_bridge
    from drones.bridge.runner import Bridge

    with sim_fleet() as fleet:
        drone = await sync_to_async(Drone.objects.create)(
            **{**GOOD, "connection": fleet.fleet.connection_strings[0]}
        )  # fmt: skip
        bridge = Bridge(ui_rate_hz=5.0, reload_s=3600)
        task = asyncio.create_task(bridge.run())
        try:
            await asyncio.wait_for(bridge.started.wait(), 10)
            session = bridge.sessions[drone.pk]
            await wait_until_async(lambda: session.vehicle is not None, wall(30), "the bridge connected")
            vehicle = session.vehicle
            assert vehicle.link.state.speaker_servo is None  # RELAY1

            # Edited just before a flight: the flight start reads the drone again, on the same link.
            await sync_to_async(Drone.objects.filter(pk=drone.pk).update)(speaker_output="servo", speaker_servo=9)
            reply = await call_bridge(drone.pk, "mission_run", {"flight": 1, "plan": {}}, timeout_s=15)
            assert reply["ok"] is False  # a start without a plan is refused, after the drone was read again
            assert session.link.speaker == SERVO and session.vehicle is vehicle
            assert vehicle.link.state.speaker_servo == 9
            await wait_until_async(
                lambda: session.latest.relay_on is False, wall(10), "live loudspeaker state from SERVO9"
            )

            # ... and the roster reload applies an edit the same way.
            await sync_to_async(Drone.objects.filter(pk=drone.pk).update)(speaker_output="relay", speaker_relay=1)
            await bridge._sync_roster()
            assert bridge.sessions[drone.pk] is session and session.vehicle is vehicle
            assert (vehicle.link.state.speaker_servo, vehicle.link.state.speaker_relay) == (None, 1)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
