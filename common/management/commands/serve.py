"""Serve the site with uvicorn (lifespan on, so the embedded telemetry bridge runs) and, optionally,
a fleet of simulated drones in a child process: what ``make run`` does.

    manage.py serve --port 8000 --simulated-drones 3
"""

from __future__ import annotations

import socket
import subprocess
import sys

import uvicorn
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run the ASGI server (uvicorn) and optionally the simulated drone fleet."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--simulated-drones",
            type=int,
            default=0,
            help="Start this many simulated ArduCopters on tcp:127.0.0.1:5760 + 10*i.",
        )
        parser.add_argument("--sim-base-port", type=int, default=5760)
        parser.add_argument("--sim-speedup", type=float, default=1.0)

    def handle(
        self, *args, host: str, port: int, simulated_drones: int, sim_base_port: int, sim_speedup: float, **options
    ):
        fleet = None
        if simulated_drones > 0:
            for i in range(simulated_drones):
                _require_free(host="127.0.0.1", port=sim_base_port + 10 * i)
            from drones.sample import SIM_HOME

            home = ",".join(str(v) for v in (*SIM_HOME, 0))
            fleet = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "simulators",
                    "fleet",
                    "--count",
                    str(simulated_drones),
                    "--base-port",
                    str(sim_base_port),
                    "--speedup",
                    str(sim_speedup),
                    "--fast-boot",
                    "--boot-now",
                    "--exit-with-parent",
                    "--home",
                    home,
                ]
            )
            self.stdout.write(
                f"Simulated drones: {simulated_drones} on tcp:127.0.0.1:{sim_base_port}"
                f"{'...' if simulated_drones > 1 else ''} (process {fleet.pid})"
            )
        _require_free(host=host, port=port)
        try:
            uvicorn.run("config.asgi:application", host=host, port=port, lifespan="on", log_level="info")
        finally:
            if fleet is not None:
                fleet.terminate()
                try:
                    fleet.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    fleet.kill()


def _require_free(*, host: str, port: int) -> None:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            raise CommandError(f"port {port} on {host} is in use; stop what uses it or choose another port") from None
