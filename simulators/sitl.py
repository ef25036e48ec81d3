"""Launch a real ArduPilot SITL binary (ArduCopter) for tests and comparisons.

The binary is not part of this project: point ``ARDUPILOT_SITL_BIN`` at a built
``arducopter`` (and optionally ``ARDUPILOT_SITL_DEFAULTS`` at comma-separated defaults files
such as ArduPilot's ``copter.parm``). SITL listens on SERIAL0 = TCP 5760 + 10 * instance and
only boots when a client connects, exactly like ``simulators.fleet``.

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


def launch_sitl(
    *,
    binary: str | Path | None = None,
    defaults: Sequence[str | Path] | None = None,
    home: HomeLocation = DEFAULT_HOME,
    instance: int = 0,
    speedup: float = 1.0,
    wipe: bool = True,
    model: str = "quad",
    workdir: str | Path | None = None,
    extra_args: Sequence[str] = (),
    startup_timeout_s: float = 30.0,
) -> SitlProcess:
    """Start ``arducopter`` SITL and return once SERIAL0 listens (5760 + 10 * instance)."""
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
    port = 5760 + 10 * instance
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
        if ready.wait(0.1):
            return sitl
        if process.poll() is not None:
            time.sleep(0.2)  # let the reader collect the last lines
            sitl.stop()
            raise SitlError(
                f"SITL exited early with code {process.returncode}: {' '.join(args)}\n"
                f"last output:\n{sitl.last_output() or '(none)'}"
            )
    sitl.stop()
    raise SitlError(f"SITL did not listen on port {port} within {startup_timeout_s:.0f} s\n{sitl.last_output()}")
