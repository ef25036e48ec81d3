"""``manage.py send_drill_reminders``: drill and corrective-action reminders (run daily from cron)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from drills.reminders import drill_reminders_due


class Command(BaseCommand):
    help = "Create (and e-mail, when EMAIL_HOST is set) the drill reminders due today; each is sent once."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="Pretend today is this date (YYYY-MM-DD).")

    def handle(self, *args, **options):
        today = None
        if options.get("today"):
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError("--today must be a date as YYYY-MM-DD.") from None
        created = drill_reminders_due(today=today)
        self.stdout.write(f"{len(created)} drill reminders sent.")
