"""Create the sample drone fleet and the sample pilot's licence (idempotent)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from drones.sample import load_sample_fleet


class Command(BaseCommand):
    help = "Create three sample drones (simulated, tcp:127.0.0.1:5760/5770/5780) and the sample pilot licence."

    def handle(self, *args, **options):
        drones, pilot = load_sample_fleet()
        self.stdout.write(f"Sample fleet: {drones} drone(s) created{', pilot licence created' if pilot else ''}.")
