"""Serve the site with uvicorn (lifespan on, so the registered background jobs run: the embedded
telemetry bridge, incident escalation) and, optionally, a fleet of simulated drones in a child process:
what ``make run`` does. It lives in drones because drones owns what it starts beside the server: the
simulated fleet and the sample drones pointed at it.

    manage.py serve --port 8000 --simulated-drones 3 [--sim-base-port 5760]

The sample drones are pointed at the simulators started here, so a second instance on the same
host (its own database, ``make run PORT=8001 SIM_BASE_PORT=5860``) flies its own simulators.
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
            help="Start this many simulated ArduCopters on tcp:127.0.0.1:BASE + 10*i and point the sample drones "
            "at them.",
        )
        parser.add_argument(
            "--sim-base-port",
            type=int,
            default=5760,
            help="BASE, the port of the first simulator (default 5760); give each instance on one host its own",
        )
        parser.add_argument("--sim-speedup", type=float, default=1.0)

    def handle(
        self, *args, host: str, port: int, simulated_drones: int, sim_base_port: int, sim_speedup: float, **options
    ):
        fleet = None
        if simulated_drones > 0:
            if not 1024 <= sim_base_port <= 65535 - 10 * (simulated_drones - 1):
                raise CommandError(
                    f"--sim-base-port {sim_base_port} leaves no room for {simulated_drones} simulator(s): "
                    "use a port from 1024 up"
                )
            for i in range(simulated_drones):
                _require_free(
                    host="127.0.0.1",
                    port=sim_base_port + 10 * i,
                    hint="another instance may fly simulators there: start this one with another base port, "
                    "e.g. make run SIM_BASE_PORT=5860 PORT=8001",
                )
            from drones.sample import SIM_HOME, SamplePortsBusy, sample_fleet_point_at

            try:
                for change in sample_fleet_point_at(base_port=sim_base_port):
                    self.stdout.write(f"Sample drone moved to its simulator: {change}")
            except SamplePortsBusy as exc:
                raise CommandError(exc.message) from None

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
            # A request still running at Ctrl+C (a long export) gets 10 s, so one Ctrl+C always stops the server.
            uvicorn.run(
                "config.asgi:application",
                host=host,
                port=port,
                lifespan="on",
                log_level="info",
                timeout_graceful_shutdown=10,
            )
        finally:
            if fleet is not None:
                fleet.terminate()
                try:
                    fleet.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    fleet.kill()


def _require_free(*, host: str, port: int, hint: str = "stop what uses it or choose another port") -> None:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            raise CommandError(f"port {port} on {host} is in use; {hint}") from None
