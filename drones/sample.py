"""The sample police drone fleet (fictitious, marked sample) flying the project's simulator.

Three drones on ``tcp:127.0.0.1:BASE/BASE+10/BASE+20`` (SITL's port scheme; BASE 5760 by
default), which ``manage.py serve --simulated-drones 3 --sim-base-port BASE`` (what ``make
run`` uses, with ``SIM_BASE_PORT``) starts, and a pilot licence for the sample drone operator.
``serve`` points the sample drones at the simulators it starts (``sample_fleet_point_at``), so
two instances on one host, each with its own database and base port, fly their own simulators
instead of knocking each other off the same ones.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from campus.models import Station
from common.audit import audit_record
from common.errors import Conflict
from common.roles import SYSTEM, Role
from common.sample_users import SAMPLE_USERS
from drones.models import Battery, Drone, Payload, Pilot

# The sample police base, where `manage.py serve --simulated-drones` starts the simulators: a short walk
# from 示例县第一中学（样例）, so its patrol takes off from the base. lat, lon, metres above sea level.
SIM_HOME = (36.1810, 118.1689, 300.0)
SIM_BASE_PORT = 5760
SIM_HOST = "127.0.0.1"
SIM_PORT_STEP = 10  # SITL: instance i listens on 5760 + 10 * i


def sample_connection(index: int, *, base_port: int = SIM_BASE_PORT) -> str:
    """The simulator connection of sample drone ``index`` (0-based) when the fleet starts at ``base_port``."""
    return f"tcp:{SIM_HOST}:{base_port + SIM_PORT_STEP * index}"


def _is_simulator_link(connection: str) -> bool:
    parts = connection.split(":")
    return len(parts) == 3 and parts[0] == "tcp" and parts[1] == SIM_HOST and parts[2].isdigit()


SAMPLE_DRONES = [
    ("巡逻一号（样例）", "SAMPLE-UAV-001", "类大疆机型（样例）", [Payload.CAMERA, Payload.LOUDSPEAKER], 30, 10.0),
    ("巡逻二号（样例）", "SAMPLE-UAV-002", "类大疆机型（样例）", [Payload.CAMERA, Payload.LOUDSPEAKER], 30, 10.0),
    (
        "宣传三号（样例）",
        "SAMPLE-UAV-003",
        "重载机型（样例）",
        [Payload.LOUDSPEAKER, Payload.SPOTLIGHT],
        40,
        8.0,
    ),
]


@transaction.atomic
def load_sample_fleet(*, sim_base_port: int = SIM_BASE_PORT) -> tuple[int, bool]:
    """Create the sample drones, batteries and pilot if missing. Returns (drones created, pilot created).

    New drones connect to the simulators at ``sim_base_port`` + 10 * i; existing ones are left as
    they are (``sample_fleet_point_at`` moves them).
    """
    created = 0
    station = Station.objects.filter(is_sample=True).order_by("code").first()
    for index, (name, serial, model_name, payloads, endurance, speed) in enumerate(SAMPLE_DRONES):
        if Drone.objects.filter(serial=serial).exists():
            continue
        drone = Drone.objects.create(
            name=name,
            serial=serial,
            airframe=Drone.Airframe.HEXA if "hexa" in model_name else Drone.Airframe.QUAD,
            model_name=model_name,
            connection=sample_connection(index, base_port=sim_base_port),
            system_id=1,
            payloads=list(payloads),
            endurance_min=endurance,
            cruise_speed_mps=speed,
            home_name="县局警务保障室（样例）",
            home_lat=SIM_HOME[0],
            home_lon=SIM_HOME[1],
            home_alt_msl_m=SIM_HOME[2],
            station=station,
            is_sample=True,
        )
        for n in range(2):
            Battery.objects.get_or_create(
                serial=f"{serial}-B{n + 1}", defaults={"drone": drone, "capacity_mah": 5200, "cycles": 20 + 35 * n}
            )
        audit_record(actor=SYSTEM, action="drone.create", obj=drone, reason="样例机队")
        created += 1
    pilot_created = False
    user = get_user_model().objects.filter(username=SAMPLE_USERS[Role.DRONE_OPERATOR]).first()
    if user is not None and not Pilot.objects.filter(user=user).exists():
        Pilot.objects.create(
            user=user,
            licence_no="SAMPLE-CAAC-0001",
            licence_class="多旋翼 视距内（样例）",
            licence_expiry=timezone.localdate() + dt.timedelta(days=730),
            phone="10000000000",
        )
        pilot_created = True
    load_sample_missions()
    return created, pilot_created


@transaction.atomic
def sample_fleet_point_at(*, base_port: int) -> list[str]:
    """Point the sample drones at the simulators on ``base_port`` + 10 * i; returns what changed.

    Only sample drones whose link is a local simulator (``tcp:127.0.0.1:PORT``) move: one that
    an operator pointed at a real vehicle or a router stays. A target already used by another
    drone (same connection and system id) is refused with ``SamplePortsBusy``, changing nothing.
    """
    by_serial = {serial: index for index, (_n, serial, *_rest) in enumerate(SAMPLE_DRONES)}
    drones = [
        d
        for d in Drone.objects.select_for_update().filter(is_sample=True, serial__in=by_serial)
        if _is_simulator_link(d.connection)
    ]
    moves = {
        d.pk: sample_connection(by_serial[d.serial], base_port=base_port)
        for d in drones
        if d.connection != sample_connection(by_serial[d.serial], base_port=base_port)
    }
    if not moves:
        return []
    moving = {d.pk: d for d in drones if d.pk in moves}
    clashes = (
        Drone.objects.filter(connection__in=moves.values())
        .exclude(pk__in=moves)
        .filter(system_id__in={d.system_id for d in moving.values()})
    )
    taken = [f"{d.name} ({d.connection})" for d in clashes]
    if taken:
        raise SamplePortsBusy(
            f"cannot point the sample drones at simulator port {base_port}: already used by {', '.join(taken)}"
        )
    # Two steps, so that shifting by one slot never collides with a drone not yet moved.
    for pk in moves:
        Drone.objects.filter(pk=pk).update(connection=f"tcp:{SIM_HOST}:0{pk}")
    changed = []
    for pk, connection in moves.items():
        Drone.objects.filter(pk=pk).update(connection=connection)
        drone = moving[pk]
        audit_record(
            actor=SYSTEM,
            action="drone.update",
            obj=drone,
            before={"connection": drone.connection},
            after={"connection": connection},
            reason=f"样例机队跟随端口 {base_port} 起的模拟器",
        )
        changed.append(f"{drone.name}: {drone.connection} -> {connection}")
    return changed


class SamplePortsBusy(Conflict):
    """The simulator ports asked for are another drone's link."""

    code = "sample_ports_busy"


def load_sample_missions() -> int:
    """A school patrol and a point broadcast that fly from the base, and a market broadcast that needs
    the drone carried to the market (its preflight says so). Created once; returns how many."""
    from campus.models import School
    from drones.missions.services import mission_generate
    from drones.models import Market, Mission

    if Mission.objects.filter(is_sample=True).exists():
        return 0
    drone = Drone.objects.filter(serial=SAMPLE_DRONES[0][1]).first()
    speaker_drone = Drone.objects.filter(serial=SAMPLE_DRONES[2][1]).first()
    if drone is None or speaker_drone is None:
        return 0
    made = []
    school = School.objects.filter(code="9900000001").first()
    if school is not None:
        made.append(
            mission_generate(
                kind="school_patrol",
                drone=drone,
                actor=SYSTEM,
                school=school,
                name="放学巡逻 · 示例县第一中学（样例）",
                options={"alt_m": 40, "laps": 2},
            )[0]
        )
    base_lat, base_lon = SIM_HOME[0], SIM_HOME[1]
    made.append(
        mission_generate(
            kind="point_broadcast",
            drone=speaker_drone,
            actor=SYSTEM,
            name="反诈宣传定点喊话（样例）",
            points=[(base_lat + 0.0012, base_lon - 0.0008), (base_lat + 0.0006, base_lon + 0.0012)],
            options={"alt_m": 35, "hold_s": 60},
        )[0]
    )
    market = Market.objects.filter(is_sample=True).order_by("name").first()
    if market is not None:
        made.append(
            mission_generate(
                kind="market_broadcast",
                drone=speaker_drone,
                actor=SYSTEM,
                market=market,
                name=f"赶大集宣传 · {market.name}",
                options={"alt_m": 40, "laps": 2},
            )[0]
        )
    Mission.objects.filter(pk__in=[m.pk for m in made]).update(is_sample=True)
    return len(made)
