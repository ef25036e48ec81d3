"""Escalate incident reports not acknowledged in time (one pass, or every N seconds with ``--loop``)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from incidents.escalation import incidents_escalate


class Command(BaseCommand):
    help = "Escalate incident reports not acknowledged in time to the station head, then the patrol brigade."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--loop", type=float, metavar="SECONDS", help="Repeat every SECONDS until stopped.")

    def handle(self, *args, loop: float | None = None, **options) -> None:
        if loop is not None and loop <= 0:
            raise CommandError(f"--loop: give a positive number of seconds, not {loop}.")
        while True:
            escalated = incidents_escalate()
            for incident in escalated:
                self.stdout.write(f"{incident.reference}: {incident.get_escalation_display()}")
            if loop is None:
                self.stdout.write(self.style.SUCCESS(f"{len(escalated)} report(s) escalated."))
                return
            time.sleep(loop)
