"""A small synchronous GCS for the simulator tests, and autotest-style wait helpers.

It talks MAVLink 2 as sys 255 / comp 190 over TCP with pymavlink's ``all`` dialect objects
(no ``mavutil`` global dialect switching, so dronekit tests in the same process are not
affected). Every received message is kept with its vehicle time, computed from wall time since
the connect times the speed-up - which works the same for the simulator and for real SITL.
"""

from __future__ import annotations

import math
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from pymavlink.dialects.v20 import all as mavlink

GCS_SYSID, GCS_COMPID = 255, 190


class _SocketFile:
    def __init__(self, sock: socket.socket, lock: threading.Lock) -> None:
        self.sock = sock
        self.lock = lock

    def write(self, data: bytes) -> None:
        with self.lock:
            self.sock.sendall(data)


def parse_connection_string(connection_string: str) -> tuple[str, int]:
    scheme, host, port = connection_string.split(":")
    if scheme != "tcp":
        raise ValueError(f"only tcp: connection strings are supported, got {connection_string!r}")
    return host, int(port)


class Gcs:
    def __init__(
        self,
        connection_string: str,
        *,
        speedup: float,
        sysid: int = GCS_SYSID,
        compid: int = GCS_COMPID,
        heartbeat: bool = True,
        connect_timeout_s: float = 5.0,
        keep: Callable[[Any], bool] | None = None,
        keep_ids: set[int] | None = None,
        hello: bool = False,
    ) -> None:
        """``keep``: store only messages for which it returns True (keeps long runs light).
        ``keep_ids``: decode only these message ids (the rest is skipped undecoded).
        ``hello``: send one HEARTBEAT right after connecting, before anything else starts."""
        self.speedup = speedup
        host, port = parse_connection_string(connection_string)
        self.sock = socket.create_connection((host, port), timeout=connect_timeout_s)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(0.2)
        self.t0 = time.monotonic()
        self._send_lock = threading.Lock()
        self.mav = mavlink.MAVLink(_SocketFile(self.sock, self._send_lock), srcSystem=sysid, srcComponent=compid)
        if hello:
            self.send_heartbeat()
        self._parser = mavlink.MAVLink(None)
        self._parser.robust_parsing = True
        self.messages: list[tuple[float, Any]] = []
        self.raw = bytearray()
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self.heartbeat_enabled = heartbeat
        self.keep = keep
        self.keep_ids = keep_ids
        self._pending = b""
        self.closed_by_peer = False
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()
        self.last_heartbeat_vt = 0.0
        self._hb = threading.Thread(target=self._heartbeat_loop, daemon=True)
        self._hb.start()

    # --- time ----------------------------------------------------------------------------

    def vt(self) -> float:
        """Vehicle seconds since connect."""
        return (time.monotonic() - self.t0) * self.speedup

    def sleep(self, vehicle_s: float) -> None:
        time.sleep(max(0.0, vehicle_s / self.speedup))

    # --- io ------------------------------------------------------------------------------

    def _read_loop(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if not data:
                self.closed_by_peer = True
                break
            if len(self.raw) < 4096:
                self.raw.extend(data[: 4096 - len(self.raw)])
            if self.keep_ids is not None:
                data = self._prefilter(data)
            try:
                msgs = self._parser.parse_buffer(data) or []
            except Exception:  # noqa: BLE001 - keep reading whatever arrives
                msgs = []
            now = self.vt()
            keep = self.keep
            with self._cond:
                for msg in msgs:
                    if msg.get_type() != "BAD_DATA" and (keep is None or keep(msg)):
                        self.messages.append((now, msg))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def _prefilter(self, data: bytes) -> bytes:
        """Drop whole MAVLink 2 frames whose message id is not wanted, before decoding.

        Decoding every telemetry frame in Python would make a long replay's client the
        bottleneck; the frame layout gives the id without decoding."""
        buf = self._pending + data
        out = bytearray()
        i, n = 0, len(buf)
        keep_ids = self.keep_ids
        while i < n:
            if buf[i] != 0xFD:
                out.append(buf[i])
                i += 1
                continue
            if i + 10 > n:
                break
            end = i + 12 + buf[i + 1] + (13 if buf[i + 2] & 1 else 0)
            if end > n:
                break
            msg_id = buf[i + 7] | buf[i + 8] << 8 | buf[i + 9] << 16
            if msg_id in keep_ids:  # type: ignore[operator]
                out += buf[i:end]
            i = end
        self._pending = buf[i:]
        return bytes(out)

    def _heartbeat_loop(self) -> None:
        next_vt = 0.0
        while not self._stop.is_set():
            if self.heartbeat_enabled and self.vt() >= next_vt:
                self.send_heartbeat()
                next_vt = self.vt() + 1.0
            time.sleep(min(0.05, 0.25 / self.speedup))

    def send_heartbeat(self) -> None:
        self.last_heartbeat_vt = self.vt()
        self.send(mavlink.MAVLink_heartbeat_message(6, 8, 0, 0, 4, 3))

    def send(self, msg: Any) -> None:
        try:
            self.mav.send(msg)
        except OSError:
            pass

    def send_raw(self, data: bytes) -> None:
        with self._send_lock:
            self.sock.sendall(data)

    def close(self) -> None:
        self._stop.set()
        try:
            self.sock.close()
        except OSError:
            pass
        self._reader.join(timeout=2)
        self._hb.join(timeout=2)

    def __enter__(self) -> Gcs:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- requests ------------------------------------------------------------------------

    def command_long(self, command: int, *params: float, target_system: int = 1, target_component: int = 1) -> float:
        p = [float(x) for x in params] + [0.0] * (7 - len(params))
        sent = self.vt()
        self.send(mavlink.MAVLink_command_long_message(target_system, target_component, command, 0, *p))
        return sent

    def command_int(
        self,
        command: int,
        *,
        frame: int = 6,
        params: Iterable[float] = (),
        x: int = 0,
        y: int = 0,
        z: float = 0.0,
        target_system: int = 1,
        target_component: int = 1,
    ) -> float:
        p = [float(v) for v in params] + [0.0] * (4 - len(list(params)))
        sent = self.vt()
        self.send(
            mavlink.MAVLink_command_int_message(target_system, target_component, frame, command, 0, 0, *p[:4], x, y, z)
        )
        return sent

    def request_streams(self, rate_hz: int = 4, stream_id: int = 0, *, target_system: int = 1) -> None:
        self.send(mavlink.MAVLink_request_data_stream_message(target_system, 1, stream_id, rate_hz, 1))

    def ack(self, command: int, *, since: float, timeout_s: float = 5.0) -> Any:
        return self.wait("COMMAND_ACK", lambda m: m.command == command, since=since, timeout_s=timeout_s)

    def command_ack(self, command: int, *params: float, timeout_s: float = 5.0, **kw: Any) -> Any:
        sent = self.command_long(command, *params, **kw)
        return self.ack(command, since=sent, timeout_s=timeout_s)

    # --- received messages ---------------------------------------------------------------

    def received(self, msg_type: str | None = None, *, since: float = 0.0) -> list[tuple[float, Any]]:
        with self._cond:
            return [(t, m) for t, m in self.messages if t >= since and (msg_type is None or m.get_type() == msg_type)]

    def received_at_vehicle_time(self, msg_type: str, *, since: float = 0.0) -> list[tuple[float, Any]]:
        """Like ``received``, but each message timed by the vehicle's own clock, in seconds.

        A message's time is the ``time_boot_ms`` of the last timestamped message before it on the link
        (within one stream period), so delays in delivering or reading messages on a busy machine, which
        the speed-up multiplies, do not count.
        """
        out = []
        boot_ms = None
        with self._cond:
            messages = list(self.messages)
        for t, msg in messages:
            stamp = getattr(msg, "time_boot_ms", None)
            if stamp is not None:
                boot_ms = stamp
            if t >= since and msg.get_type() == msg_type and boot_ms is not None:
                out.append((boot_ms / 1000.0, msg))
        return out

    def vehicle_time_of(self, message: Any) -> float:
        """The vehicle-clock time (see ``received_at_vehicle_time``) of one message received earlier."""
        return next(t for t, m in self.received_at_vehicle_time(message.get_type()) if m is message)

    def texts(self, *, since: float = 0.0) -> list[str]:
        return [m.text for _, m in self.received("STATUSTEXT", since=since)]

    def last(self, msg_type: str) -> Any | None:
        with self._cond:
            for _, msg in reversed(self.messages):
                if msg.get_type() == msg_type:
                    return msg
        return None

    def wait(
        self,
        msg_type: str,
        condition: Callable[[Any], bool] | None = None,
        *,
        since: float | None = None,
        timeout_s: float = 10.0,
    ) -> Any:
        """First ``msg_type`` received at or after ``since`` (vehicle s) matching ``condition``."""
        now = self.vt()
        start = now if since is None else since
        # the timeout counts from ``since`` when that lies in the future
        deadline = time.monotonic() + (max(start, now) - now + timeout_s) / self.speedup + 0.5
        index = 0
        with self._cond:
            while True:
                while index < len(self.messages):
                    t, msg = self.messages[index]
                    index += 1
                    if t >= start - 1e-9 and msg.get_type() == msg_type and (condition is None or condition(msg)):
                        return msg
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no {msg_type} within {timeout_s} vehicle s (since {start:.2f})")
                self._cond.wait(timeout=min(remaining, 0.2))

    def wait_text(self, text: str, *, since: float | None = None, timeout_s: float = 10.0) -> Any:
        return self.wait("STATUSTEXT", lambda m: text in m.text, since=since, timeout_s=timeout_s)

    def heartbeat(self, *, since: float | None = None, timeout_s: float = 5.0) -> Any:
        return self.wait("HEARTBEAT", lambda m: m.get_srcSystem() != GCS_SYSID, since=since, timeout_s=timeout_s)

    def relative_alt_m(self) -> float:
        msg = self.last("GLOBAL_POSITION_INT")
        return math.nan if msg is None else msg.relative_alt / 1000.0


# --- autotest-style flight helpers (vehicle-time timeouts) ----------------------------------


def wait_mode(gcs: Gcs, custom_mode: int, *, timeout_s: float = 30.0) -> Any:
    return gcs.wait("HEARTBEAT", lambda m: m.custom_mode == custom_mode and m.get_srcSystem() != GCS_SYSID,
                    timeout_s=timeout_s)  # fmt: skip


def wait_altitude(gcs: Gcs, low_m: float, high_m: float, *, timeout_s: float = 60.0) -> Any:
    return gcs.wait("GLOBAL_POSITION_INT", lambda m: low_m <= m.relative_alt / 1000.0 <= high_m, timeout_s=timeout_s)


def wait_disarmed(gcs: Gcs, *, timeout_s: float = 120.0) -> Any:
    return gcs.wait("HEARTBEAT", lambda m: not m.base_mode & 128 and m.get_srcSystem() != GCS_SYSID,
                    timeout_s=timeout_s)  # fmt: skip


def wait_vehicle_ready(gcs: Gcs, *, timeout_s: float = 15.0) -> Any:
    """Until a HEARTBEAT past BOOT (system_status 1), as a ground station waits after connecting.

    ArduCopter resets the mode to STABILIZE at "ArduPilot Ready" and refuses missions before
    it; the status leaves BOOT ~0.5 s after that (2.9 s into a real boot).
    """
    return gcs.wait(
        "HEARTBEAT", lambda m: m.get_srcSystem() != GCS_SYSID and m.system_status != 1, since=0.0, timeout_s=timeout_s
    )


def set_mode(gcs: Gcs, custom_mode: int, *, timeout_s: float = 5.0) -> Any:
    wait_vehicle_ready(gcs)
    return gcs.command_ack(176, 1, custom_mode, timeout_s=timeout_s)


def wait_ready_to_arm(gcs: Gcs, *, timeout_s: float = 90.0) -> None:
    """Until SYS_STATUS shows the pre-arm bit in the current mode (how the recorder waited)."""
    if gcs.last("SYS_STATUS") is None:
        gcs.request_streams(4, stream_id=2)
    gcs.wait("SYS_STATUS", lambda m: m.onboard_control_sensors_health & 0x10000000, timeout_s=timeout_s)


def arm(gcs: Gcs, *, timeout_s: float = 90.0, retry_s: float = 2.0) -> Any:
    """Retry ARM until accepted (ACK 0)."""
    deadline_vt = gcs.vt() + timeout_s
    while gcs.vt() < deadline_vt:
        ack = gcs.command_ack(400, 1)
        if ack.result == 0:
            return ack
        gcs.sleep(retry_s)
    raise AssertionError("vehicle did not arm")


def takeoff_guided(gcs: Gcs, alt_m: float, *, timeout_s: float = 60.0) -> None:
    assert set_mode(gcs, 4).result == 0
    wait_ready_to_arm(gcs)
    arm(gcs)
    assert gcs.command_ack(22, 0, 0, 0, 0, 0, 0, alt_m).result == 0
    wait_altitude(gcs, alt_m - 0.5, alt_m + 2, timeout_s=timeout_s)


def meters_north(lat_deg: float, north_m: float) -> float:
    return lat_deg + north_m / 111319.49


def meters_east(lat_deg: float, lon_deg: float, east_m: float) -> float:
    return lon_deg + east_m / (111319.49 * math.cos(math.radians(lat_deg)))
