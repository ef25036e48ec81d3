"""Fly whole missions the way the pages do: HTTP API with the session and CSRF, websockets, the simulator.

``flying_world`` starts a simulated ArduCopter, the ASGI application under uvicorn with the
embedded telemetry bridge, and signs an operator in through the login form, as a browser does.
``Operator`` is that browser: ``api()`` sends the session cookie and the CSRF header the pages
send; a ``Socket`` is a websocket as a page opens it (the flight page's ``/ws/drones/<id>/``, the
alert banner's ``#drone-alerts`` socket), keeping what it receives. ``FlightRun`` does what the
flight page does, step by step: take control, open the flight, run the preflight until the
vehicle is ready, set the required parameters, record the approval, confirm, start; renew the
control lock every ``data-lock-renew-s`` seconds read from the flight page itself; follow the
flight to the ground; then read the flight and its log.

Time is the vehicle's: the simulator's clock is wall time times the speed-up, so waits and
durations are stated in vehicle seconds (``Sim.now_s``) and never asserted in wall time.

Speed-up 8. With the GCS failsafe on (the checklist requires it), ArduCopter declares the ground
station lost ``FS_GCS_TIMEOUT`` (5 s of vehicle time) after its last heartbeat. The bridge sends
one every ``DRONE_GCS_HEARTBEAT_S`` of wall time, so the world sets it to ``GCS_HEARTBEAT_VEHICLE_S``
/ speed-up (0.1 s): 0.8 s of vehicle time between heartbeats, leaving 4.2 vehicle seconds (0.5 wall
seconds) for a stalled event loop on a busy 2-core machine, about what speed-up 3 with the default
1 s heartbeat left (0.67 s). FS_GCS_TIMEOUT / speed-up bounds that margin: 10 would leave 0.4 s.
What else runs on wall time still holds at 8: the vehicle's own heartbeats (8 a wall second)
against the bridge's 3 s link watchdog; the control lock and its renewal (wall time, like a
browser's timer); the bridge's 1 Hz track points, one every 8 vehicle seconds (the log's
loudspeaker time is judged with that resolution); the harness's polls (0.3 s, 2.4 vehicle
seconds) against timeouts stated in vehicle time.
"""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import json
import math
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from common.geo import haversine_m
from common.roles import Role
from drones.models import Drone, Pilot
from simulators.fleet import Fleet, FleetThread, fleet_options
from tests.asgi_server import run_asgi_server
from tests.factories import make_user

SPEEDUP = 8.0
GCS_HEARTBEAT_VEHICLE_S = 0.8  # vehicle seconds between the bridge's heartbeats (FS_GCS_TIMEOUT is 5)
HOME = (36.185, 118.17)  # the simulator's start (simulators.arducopter.vehicle.DEFAULT_HOME)
PASSWORD = "fly-safe-2026"
DONE = ("completed", "aborted", "failed", "cancelled")
NAV_WAYPOINT, NAV_LOITER_TIME, NAV_TAKEOFF, NAV_RTL = 16, 19, 22, 20
DO_SET_RELAY, DO_SET_SERVO = 181, 183


def offset(north_m: float, east_m: float, origin: tuple[float, float] = HOME) -> tuple[float, float]:
    """(lat, lon) ``north_m``/``east_m`` metres from ``origin`` (flat earth; fine for a few hundred metres)."""
    lat = origin[0] + north_m / 111_320.0
    lon = origin[1] + east_m / (111_320.0 * math.cos(math.radians(origin[0])))
    return round(lat, 7), round(lon, 7)


# --- the simulator -------------------------------------------------------------------------------


@dataclass
class VehicleSample:
    """What the simulated vehicle itself was doing (its truth, not what the bridge reported)."""

    now_s: float
    mode: int
    armed: bool
    relay_mask: int
    servo9_pwm: int
    lat: float
    lon: float


class Sim:
    """One simulated ArduCopter in a background thread, with a sampler of its true state."""

    def __init__(self, thread: FleetThread) -> None:
        self.thread = thread
        self.vehicle = thread.fleet.vehicles[0]
        self.samples: list[VehicleSample] = []
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample_loop, name="vehicle sampler", daemon=True)
        self._sampler.start()

    @property
    def connection(self) -> str:
        return self.thread.fleet.connection_strings[0]

    @property
    def speedup(self) -> float:
        return self.vehicle.clock.speedup

    def now_s(self) -> float:
        """Vehicle seconds since boot (the clock is wall time times the speed-up: safe from any thread)."""
        return self.vehicle.clock.now_s()

    def call(self, fn: Callable[[Any], Any]) -> Any:
        """Run ``fn(vehicle)`` on the simulator's loop (faults, parameters)."""
        return self.thread.call(lambda: fn(self.vehicle))

    def set_param(self, name: str, value: float) -> None:
        """As another ground station on the vehicle would (PARAM_SET): stored, listeners and GCS told."""

        def apply(v):
            v.params.set(name, value)
            v.notify_param(name)

        self.call(apply)

    def _sample_loop(self) -> None:
        while not self._stop.wait(0.1):
            try:
                self.samples.append(self.call(_sample))
            except Exception:  # noqa: BLE001 - the loop is shutting down
                return

    def stop(self) -> None:
        self._stop.set()
        self._sampler.join(timeout=2)


def _sample(v) -> VehicleSample:
    lat, lon = v.true_latlon()
    return VehicleSample(v.now_s, int(v.mode), bool(v.armed), int(v.relays.on_mask), int(v.servo_pwm[8]), lat, lon)


# --- the operator's browser ----------------------------------------------------------------------


class ApiError(AssertionError):
    pass


class Operator:
    """A signed-in browser: session cookie, CSRF header, English messages."""

    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.username = username
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def cookie(self, name: str) -> str:
        for c in self.jar:
            if c.name == name:
                return c.value
        return ""

    def login(self, password: str) -> None:
        form = self.get_text("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
        assert token, "the login page has no CSRF token"
        body = urllib.parse.urlencode(
            {"username": self.username, "password": password, "csrfmiddlewaretoken": token.group(1)}
        ).encode()
        request = urllib.request.Request(
            self.base + "/accounts/login/",
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded", "Referer": self.base + "/accounts/login/"},
        )
        with self.opener.open(request, timeout=60) as response:
            response.read()
        assert self.cookie("sessionid"), "signing in through the login form gave no session"

    def get_text(self, path: str) -> str:
        request = urllib.request.Request(self.base + path, headers={"Accept-Language": "en"})
        with self.opener.open(request, timeout=60) as response:
            return response.read().decode()

    def api(self, method: str, path: str, body: dict | None = None, *, multipart: dict | None = None):
        """(status, JSON) of a call as the pages' ``fetch`` makes it (same-origin cookies, X-CSRFToken)."""
        headers = {"X-CSRFToken": self.cookie("csrftoken"), "Accept": "application/json", "Accept-Language": "en"}
        data = None
        if multipart is not None:
            boundary = uuid.uuid4().hex
            data = _multipart(multipart, boundary)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif body is not None or method != "GET":
            data = json.dumps(body or {}).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with self.opener.open(request, timeout=120) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else {}
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                return exc.code, json.loads(raw) if raw else {}
            except ValueError:
                return exc.code, {"detail": raw[:500].decode(errors="replace")}

    def ok(self, method: str, path: str, body: dict | None = None, **kw) -> dict:
        status, data = self.api(method, path, body, **kw)
        if status not in (200, 201, 204):
            raise ApiError(f"{method} {path} -> {status}: {data}")
        return data


def _multipart(fields: dict[str, Any], boundary: str) -> bytes:
    out = []
    for name, value in fields.items():
        out.append(f"--{boundary}\r\n".encode())
        if isinstance(value, tuple):  # (filename, bytes)
            filename, content = value
            out.append(
                f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n".encode()
            )
            out.append(content)
        else:
            out.append(f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}'.encode())
        out.append(b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out)


class Socket:
    """A websocket as a page opens it (session cookie, same origin); keeps every message received."""

    def __init__(self, operator: Operator, path: str) -> None:
        from websockets.sync.client import connect

        url = operator.base.replace("http://", "ws://") + path
        cookies = "; ".join(f"{c.name}={c.value}" for c in operator.jar)
        self._stack = ExitStack()
        self.ws = self._stack.enter_context(
            connect(url, additional_headers={"Cookie": cookies, "Origin": operator.base}, open_timeout=30)
        )
        self.messages: list[dict] = []
        self.closed_with: object = None
        self._thread = threading.Thread(target=self._read, name=f"ws {path}", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for text in self.ws:
                self.messages.append(json.loads(text))
        except Exception as exc:  # noqa: BLE001 - kept for the test to report
            self.closed_with = exc

    def close(self) -> None:
        self._stack.close()
        self._thread.join(timeout=5)

    def of_type(self, kind: str) -> list[dict]:
        return [m for m in list(self.messages) if m.get("type") == kind]

    def states(self) -> list[dict]:
        """The drone's telemetry states in the order they came (snapshot first)."""
        out = []
        for m in list(self.messages):
            if m.get("type") == "telemetry":
                out.append(m["state"])
            elif m.get("type") == "snapshot":
                out.extend(s for s in m.get("drones", {}).values() if s)
        return out

    def events(self) -> list[dict]:
        return [m["event"] for m in self.of_type("event")]


# --- the world -----------------------------------------------------------------------------------


@dataclass
class World:
    sim: Sim
    operator: Operator
    drone: Drone
    user: Any
    base: str

    @property
    def drone_path(self) -> str:
        return f"/api/drones/drones/{self.drone.pk}"


@contextmanager
def flying_world(settings, *, speedup: float = SPEEDUP, params: dict[str, float] | None = None) -> Iterator[World]:
    """A simulated vehicle at ``HOME``, the app with its embedded bridge, and a signed-in drone operator.

    ``params``: the vehicle's own stored parameters (what its owner configured), e.g. a servo's function.
    """
    settings.DRONE_BRIDGE_EMBEDDED = True
    settings.DRONE_GCS_HEARTBEAT_S = min(1.0, GCS_HEARTBEAT_VEHICLE_S / speedup)
    user = make_user(Role.DRONE_OPERATOR, username="pilot")
    user.set_password(PASSWORD)
    user.save()
    Pilot.objects.create(user=user, licence_no="UAS-0042", licence_expiry=timezone.localdate() + dt.timedelta(days=90))
    thread = FleetThread(Fleet(fleet_options(1, base_port=0, speedup=speedup, fast_boot=True, params=params))).start()
    sim = Sim(thread)
    try:
        drone = Drone.objects.create(
            name="D1",
            serial="SN-D1",
            connection=sim.connection,
            payloads=["loudspeaker"],
            home_lat=HOME[0],
            home_lon=HOME[1],
        )
        with run_asgi_server(lifespan="on") as base:
            operator = Operator(base, user.get_username())
            operator.login(PASSWORD)
            yield World(sim, operator, drone, user, base)
    finally:
        sim.stop()
        thread.stop()


# --- one flight, as the flight page flies it ------------------------------------------------------


@dataclass
class LockRenewal:
    at_vehicle_s: float
    status: int
    body: dict


@dataclass
class FlightRun:
    """One flight of ``mission_id`` through the API and the websockets, as the flight page does it."""

    world: World
    mission_id: int
    flight_id: int | None = None
    flight: dict = field(default_factory=dict)
    log: dict = field(default_factory=dict)
    checklist: dict = field(default_factory=dict)
    fixed_params: dict = field(default_factory=dict)
    lock_taken: dict = field(default_factory=dict)
    renewals: list[LockRenewal] = field(default_factory=list)
    renew_s: float | None = None
    socket: Socket | None = None
    alerts: Socket | None = None
    started_at_vehicle_s: float | None = None

    # --- steps ---------------------------------------------------------------------------------

    @property
    def op(self) -> Operator:
        return self.world.operator

    @property
    def path(self) -> str:
        return f"/api/drones/flights/{self.flight_id}"

    def take_control(self) -> dict:
        """The take-control button: POST /lock/."""
        self.lock_taken = self.op.ok("POST", f"{self.world.drone_path}/lock/", {})
        return self.lock_taken

    def open(self) -> dict:
        """Fly this mission, then the flight page: its websocket, its lock renewal."""
        self.flight = self.op.ok("POST", f"/api/drones/missions/{self.mission_id}/fly/")
        self.flight_id = self.flight["id"]
        page = self.op.get_text(f"/drones/flights/{self.flight_id}/")
        flight_map = re.search(r'<div id="flight-map"[^>]*>', page)
        assert flight_map, "the flight page has no flight map"
        ws_path = re.search(r'data-ws-path="([^"]+)"', flight_map.group(0))
        assert ws_path, "the flight page names no websocket"
        renew = re.search(r'data-lock-renew-s="(\d+(?:\.\d+)?)"', flight_map.group(0))
        banner_div = re.search(r'<div id="drone-alerts"[^>]*>', page)
        banner = re.search(r'data-ws-path="([^"]+)"', banner_div.group(0)) if banner_div else None
        self.renew_s = max(5.0, float(renew.group(1))) if renew else None  # drone_lock.js: at least 5 s
        self.socket = Socket(self.op, ws_path.group(1))
        # Every page's alert banner (its own socket once there is one; the fleet socket carries alerts too).
        self.alerts = Socket(self.op, banner.group(1) if banner else "/ws/drones/")
        if self.renew_s:
            threading.Thread(target=self._renew_loop, name="lock renewal", daemon=True).start()
        return self.flight

    def _renew_loop(self) -> None:
        """The page's ``setInterval``: POST /lock/ every ``data-lock-renew-s`` seconds (wall: a browser timer)."""
        while not self._stopped.wait(self.renew_s):
            status, body = self.op.api("POST", f"{self.world.drone_path}/lock/", {})
            self.renewals.append(LockRenewal(self.world.sim.now_s(), status, body))

    def __post_init__(self) -> None:
        self._stopped = threading.Event()

    def preflight(self, *, confirmed: bool, timeout_vehicle_s: float = 90.0) -> dict:
        """Check now, until the link, GPS and EKF are in (the vehicle is still booting at first)."""
        deadline = self.world.sim.now_s() + timeout_vehicle_s
        while True:
            checklist = self.op.ok("POST", f"{self.path}/preflight/", {"confirmed": confirmed})
            items = {i["key"]: i for i in checklist["items"]}
            ready = all(items.get(k, {}).get("ok") for k in ("link", "gps", "ekf"))
            if ready or self.world.sim.now_s() > deadline:
                self.checklist = checklist
                return checklist
            time.sleep(0.5)

    def prepare(self, approval_ref: str = "SD-2026-1207") -> dict:
        """Take control, open the flight, check, set the required parameters, record the approval, confirm."""
        if not self.lock_taken:
            self.take_control()
        if self.flight_id is None:
            self.open()
        self.preflight(confirmed=False)
        if any(i["fixable"] and not i["ok"] for i in self.checklist["items"]):
            self.fixed_params = self.op.ok("POST", f"{self.path}/fix-params/")["params"]
        self.op.ok("POST", f"{self.path}/approval/", {"approval_ref": approval_ref})
        checklist = self.preflight(confirmed=True)
        failing = [f"{i['key']}: {i['detail']}" for i in checklist["items"] if not i["ok"]]
        assert checklist["ok"], f"preflight still fails after fixing: {failing}"
        return checklist

    def start(self) -> dict:
        """Upload and start."""
        self.started_at_vehicle_s = self.world.sim.now_s()
        status, body = self.op.api("POST", f"{self.path}/start/", {"confirmed": True})
        if status != 200:
            self.refresh()
            raise ApiError(
                f"start -> {status}: {body}; flight status {self.flight.get('status')}, "
                f"last_error {self.flight.get('last_error')!r}"
            )
        self.flight = body
        return body

    def fly(self) -> FlightRun:
        self.prepare()
        self.start()
        return self

    def command(self, name: str) -> tuple[int, dict]:
        """A flight page button: pause, resume, abort, land."""
        return self.op.api("POST", f"{self.path}/command/", {"command": name})

    def refresh(self) -> dict:
        self.flight = self.op.ok("GET", f"{self.path}/")
        return self.flight

    # --- watching ------------------------------------------------------------------------------

    def wait(self, condition: Callable[[], object], what: str, timeout_vehicle_s: float) -> object:
        """Poll (the flight and the websocket) until ``condition()``; the timeout is vehicle time."""
        deadline = self.world.sim.now_s() + timeout_vehicle_s
        while True:
            self.refresh()
            value = condition()
            if value:
                return value
            if self.world.sim.now_s() > deadline:
                raise AssertionError(
                    f"no {what} within {timeout_vehicle_s:g} s of vehicle time: flight {self.flight.get('status')}, "
                    f"outcome {self.flight.get('outcome')!r}, last_error {self.flight.get('last_error')!r}, "
                    f"current item {self.flight.get('current_item')}, reached {self.flight.get('reached_items')}, "
                    f"last state {self.last_state()}"
                )
            time.sleep(0.3)

    def last_state(self) -> dict:
        states = self.socket.states() if self.socket else []
        if not states and self.socket:
            types = sorted({m.get("type") for m in self.socket.messages})
            return {"websocket": f"no states; message types {types}, closed with {self.socket.closed_with!r}"}
        return (
            {k: states[-1].get(k) for k in ("mode", "armed", "alt_rel_m", "mission_seq", "link_ok", "status")}
            if states
            else {}
        )

    def wait_current(self, seq: int, timeout_vehicle_s: float = 120.0) -> None:
        """Until the vehicle flies toward mission item ``seq`` or beyond (MISSION_CURRENT)."""
        self.wait(
            lambda: any((s.get("mission_seq") or 0) >= seq and s.get("armed") for s in self.socket.states()),
            f"mission item {seq}",
            timeout_vehicle_s,
        )

    def wait_end(self, timeout_vehicle_s: float | None = None) -> dict:
        """Until the flight is over and the vehicle disarmed on the ground; then read the flight and its log."""
        if timeout_vehicle_s is None:
            timeout_vehicle_s = 2.0 * self.estimate_s() + 120.0
        self.wait(
            lambda: (
                self.flight.get("status") in DONE and self.socket.states() and not self.socket.states()[-1]["armed"]
            ),
            "end of the flight",
            timeout_vehicle_s,
        )
        self._stopped.set()
        self.final_lock = self.op.api("POST", f"{self.world.drone_path}/lock/", {})
        self.log = self.op.ok("GET", f"{self.path}/log/")
        return self.flight

    def close(self) -> None:
        self._stopped.set()
        for socket in (self.socket, self.alerts):
            if socket is not None:
                socket.close()

    # --- reading the result --------------------------------------------------------------------

    def mission(self) -> dict:
        return self.op.ok("GET", f"/api/drones/missions/{self.mission_id}/")

    def estimate_s(self) -> float:
        return float(((self.mission().get("validation") or {}).get("estimate") or {}).get("flight_time_s") or 300.0)

    def items(self) -> list[list]:
        """The uploaded mission items as the flight JSON has them: [command, frame, lat, lon, alt, p1..p4, ac]."""
        return self.flight.get("items") or []

    def waypoint_seqs(self) -> list[int]:
        """Mission items that take the vehicle somewhere or hold it there (not take-off, not the return)."""
        return [seq for seq, i in enumerate(self.items()) if seq and int(i[0]) in (NAV_WAYPOINT, NAV_LOITER_TIME)]

    def reached_in_log(self) -> list[int]:
        return [int(e["data"]["seq"]) for e in self.log.get("events", []) if e["kind"] == "reached"]

    def log_kinds(self) -> list[str]:
        return [e["kind"] for e in self.log.get("events", [])]

    def airborne_vehicle_s(self) -> float:
        """From arming to disarming, by the vehicle's clock (the websocket's ``vehicle_time_ms``)."""
        armed = [s for s in self.socket.states() if s.get("armed") and s.get("vehicle_time_ms") is not None]
        states = self.socket.states()
        assert armed, "the websocket never showed the drone armed"
        first = armed[0]["vehicle_time_ms"]
        after = [s for s in states[states.index(armed[-1]) + 1 :] if s.get("vehicle_time_ms") is not None]
        last = after[0]["vehicle_time_ms"] if after else armed[-1]["vehicle_time_ms"]
        return (last - first) / 1000.0

    def speaker_switches(self) -> list[tuple[int | None, bool]]:
        """(MISSION_CURRENT, loudspeaker on) each time the loudspeaker changed, as the websocket saw it."""
        out: list[tuple[int | None, bool]] = []
        last = None
        for s in self.socket.states():
            on = bool(s.get("relay_on"))
            if on != last:
                out.append((s.get("mission_seq"), on))
                last = on
        return out

    def lock_held_throughout(self) -> str | None:
        """Why control was not held for the whole flight, or None."""
        if self.renew_s is None:
            return "the flight page does not renew the control lock (no data-lock-renew-s on it)"
        refused = [r for r in self.renewals if r.status != 200]
        if refused:
            r = refused[0]
            return f"renewal at vehicle {r.at_vehicle_s:.0f} s answered {r.status}: {r.body}"
        status, body = getattr(self, "final_lock", (None, {}))
        if status != 200:
            return f"the lock could not be renewed at the end: {status} {body}"
        if body.get("acquired_at") != self.lock_taken.get("acquired_at"):
            return (
                f"the lock lapsed and was taken anew: acquired {self.lock_taken.get('acquired_at')}, "
                f"then {body.get('acquired_at')}"
            )
        return None

    def distance_from_home_m(self, lat: float, lon: float) -> float:
        return haversine_m(lat, lon, *HOME)

    def report(self) -> str:
        """What to print when an assertion fails: the flight, its log events, the last states."""
        events = [f"{e['kind']}: {e['text']}" for e in self.log.get("events", []) if e["kind"] != "mission"]
        return (
            f"flight {self.flight_id}: status {self.flight.get('status')}, outcome {self.flight.get('outcome')!r} "
            f"({self.flight.get('outcome_detail')!r}), last_error {self.flight.get('last_error')!r}, "
            f"reached {self.flight.get('reached_items')}; log events {events[-25:]}"
        )


@contextmanager
def flight_of(world: World, mission_id: int) -> Iterator[FlightRun]:
    run = FlightRun(world, mission_id)
    try:
        yield run
    finally:
        run.close()


def planned_speaker(items: list[list]) -> list[tuple[int, bool]]:
    """(seq, on) of each loudspeaker switch in the uploaded items (relay or servo)."""
    out = []
    for seq, i in enumerate(items):
        if int(i[0]) == DO_SET_RELAY:
            out.append((seq, float(i[6]) == 1.0))
        elif int(i[0]) == DO_SET_SERVO:
            out.append((seq, float(i[6]) >= 1500.0))
    return out
