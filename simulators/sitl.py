"""Launch a real ArduPilot SITL binary (ArduCopter) for tests and comparisons.

The binary is not part of this project: point ``ARDUPILOT_SITL_BIN`` at a built
``arducopter`` (and optionally ``ARDUPILOT_SITL_DEFAULTS`` at comma-separated defaults files
such as ArduPilot's ``copter.parm``). SITL listens on SERIAL0 = TCP 5760 + 10 * instance and
only boots when a client connects, exactly like ``simulators.fleet``. The instance comes from
``ARDUPILOT_SITL_INSTANCE`` (default 0) unless given, so tests can run beside a fleet.

SITL prints its "bind port" line before the socket listens, so a connect right after it is
often refused. The launcher therefore waits until the port is in the LISTEN state, read from
``/proc/net/tcp`` and matched to the SITL process's own sockets - without connecting, because
the first connection starts SITL's clock and boot. Where ``/proc`` is not available it falls back
to a probe connect (SITL then boots at the probe, a few milliseconds early).

Usable as a pytest fixture::

    @pytest.fixture
    def sitl():
        process = launch_sitl(speedup=5)
        yield process
        process.stop()
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from simulators.arducopter.vehicle import DEFAULT_HOME, HomeLocation

ENV_BINARY = "ARDUPILOT_SITL_BIN"
ENV_DEFAULTS = "ARDUPILOT_SITL_DEFAULTS"
ENV_INSTANCE = "ARDUPILOT_SITL_INSTANCE"
BASE_PORT = 5760
_TCP_LISTEN = "0A"
READY_MARKERS = ("Waiting for connection", "bind port")
OUTPUT_LINES_KEPT = 40


class SitlError(RuntimeError):
    """The SITL binary is missing, or it did not start; the message says why."""


@dataclass
class SitlProcess:
    connection_string: str
    process: subprocess.Popen[bytes]
    workdir: Path
    _output: deque[str] = field(default_factory=lambda: deque(maxlen=OUTPUT_LINES_KEPT))
    _own_workdir: bool = False

    def last_output(self) -> str:
        return "\n".join(self._output)

    def stop(self, timeout_s: float = 10.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout_s)
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> SitlProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def sitl_binary() -> Path | None:
    """The SITL binary from ARDUPILOT_SITL_BIN, or None when it is not set."""
    value = os.environ.get(ENV_BINARY, "").strip()
    return Path(value) if value else None


def sitl_instance() -> int:
    """The SITL instance from ARDUPILOT_SITL_INSTANCE (default 0): TCP port 5760 + 10 * instance."""
    value = os.environ.get(ENV_INSTANCE, "").strip()
    if not value:
        return 0
    try:
        instance = int(value)
    except ValueError:
        instance = -1
    if not 0 <= instance <= 375:  # the port must stay below 65536
        raise SitlError(f"{ENV_INSTANCE} must be an instance number 0..375, got {value!r}")
    return instance


def sitl_port(instance: int) -> int:
    return BASE_PORT + 10 * instance


def _listening_inodes(port: int) -> set[str] | None:
    """Socket inodes in LISTEN on ``port`` (IPv4 and IPv6), or None without /proc/net."""
    inodes: set[str] = set()
    found_table = False
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        found_table = True
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == _TCP_LISTEN and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes if found_table else None


def _process_socket_inodes(pid: int) -> set[str] | None:
    """Inodes of the sockets ``pid`` holds, or None when its fds cannot be read."""
    try:
        links = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
    except OSError:
        return None
    return {link[8:-1] for link in links if link.startswith("socket:[")}


def port_listening(port: int, pid: int | None = None) -> bool:
    """True once ``port`` listens (held by ``pid`` when that can be checked).

    Reads /proc without connecting; without /proc it connects once (which boots SITL)."""
    inodes = _listening_inodes(port)
    if inodes is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            return False
    if not inodes:
        return False
    owned = _process_socket_inodes(pid) if pid is not None else None
    return owned is None or bool(inodes & owned)


def launch_sitl(
    *,
    binary: str | Path | None = None,
    defaults: Sequence[str | Path] | None = None,
    home: HomeLocation = DEFAULT_HOME,
    instance: int | None = None,
    speedup: float = 1.0,
    wipe: bool = True,
    model: str = "quad",
    workdir: str | Path | None = None,
    extra_args: Sequence[str] = (),
    startup_timeout_s: float = 30.0,
) -> SitlProcess:
    """Start ``arducopter`` SITL and return once SERIAL0 listens (5760 + 10 * instance).

    ``instance`` None takes ARDUPILOT_SITL_INSTANCE (default 0). Raises SitlError with SITL's
    last output when it exits, or when it does not listen within ``startup_timeout_s``."""
    if instance is None:
        instance = sitl_instance()
    path = Path(binary) if binary is not None else sitl_binary()
    if path is None:
        raise SitlError(f"no SITL binary: set {ENV_BINARY} to a built ArduCopter SITL (arducopter)")
    if not path.is_file() or not os.access(path, os.X_OK):
        raise SitlError(f"SITL binary {path} does not exist or is not executable ({ENV_BINARY})")
    if defaults is None:
        env_defaults = os.environ.get(ENV_DEFAULTS, "").strip()
        defaults = [d for d in env_defaults.split(",") if d] if env_defaults else []
    own_dir = workdir is None
    run_dir = Path(tempfile.mkdtemp(prefix=f"sitl{instance}-")) if workdir is None else Path(workdir)
    home_arg = f"{home.lat_deg},{home.lon_deg},{home.alt_amsl_m},{home.heading_deg}"
    args = [str(path), "-S", "--model", model, "--speedup", f"{speedup:g}", "-I", str(instance), "--home", home_arg]
    if wipe:
        args.append("-w")
    if defaults:
        args += ["--defaults", ",".join(str(Path(d).resolve()) for d in defaults)]
    args += list(extra_args)
    process = subprocess.Popen(
        args, cwd=run_dir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
    )
    port = sitl_port(instance)
    sitl = SitlProcess(f"tcp:127.0.0.1:{port}", process, run_dir, _own_workdir=own_dir)
    ready = threading.Event()

    def reader() -> None:
        assert process.stdout is not None
        for raw in iter(process.stdout.readline, b""):
            line = raw.decode("utf-8", errors="replace").rstrip()
            sitl._output.append(line)
            if any(marker in line for marker in READY_MARKERS):
                ready.set()

    threading.Thread(target=reader, name=f"sitl{instance}-output", daemon=True).start()
    deadline = time.monotonic() + startup_timeout_s
    while time.monotonic() < deadline:
        if ready.wait(0.05) and port_listening(port, process.pid):
            return sitl
        if process.poll() is not None:
            time.sleep(0.2)  # let the reader collect the last lines
            sitl.stop()
            raise SitlError(
                f"SITL exited early with code {process.returncode}: {' '.join(args)}\n"
                f"last output:\n{sitl.last_output() or '(none)'}"
            )
    sitl.stop()
    said = "printed its bind line but " if ready.is_set() else ""
    raise SitlError(f"SITL {said}did not listen on port {port} within {startup_timeout_s:.0f} s\n{sitl.last_output()}")
