"""Create the sample drone fleet and the sample pilot's licence (idempotent)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from drones.sample import SIM_BASE_PORT, load_sample_fleet


class Command(BaseCommand):
    help = (
        "Create three sample drones (simulated, tcp:127.0.0.1:BASE/BASE+10/BASE+20, BASE from --sim-base-port) "
        "and the sample pilot licence."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--sim-base-port",
            type=int,
            default=SIM_BASE_PORT,
            help=f"port of the first simulator (default {SIM_BASE_PORT}); the same as manage.py serve's",
        )

    def handle(self, *args, sim_base_port: int, **options):
        drones, pilot = load_sample_fleet(sim_base_port=sim_base_port)
        self.stdout.write(f"Sample fleet: {drones} drone(s) created{', pilot licence created' if pilot else ''}.")
