"""``manage.py load_sample_patrol``: sample 护学岗 data (terms, bells, posts, staff, shifts, roster)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from campus.models import Term
from common.dates import monday_of
from common.errors import DomainError
from common.roles import SYSTEM
from patrol.models import DutyAssignment
from patrol.sample import AUTUMN, SCHOOL_YEAR, SamplePatrolError, load_sample_patrol


class Command(BaseCommand):
    help = (
        "Add the sample 2026-2027 terms, bell schedules, posts and duty staff to the sample county (run "
        "load_sample_county first), build the autumn term's shifts and, unless --no-roster, generate and "
        "publish its roster from this week on. Adds only what is missing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-roster", action="store_true", help="do not generate the sample roster")
        parser.add_argument("--time-limit", type=float, default=20.0, help="solver time limit in seconds")

    def handle(self, *args, **options):
        started = time.perf_counter()
        try:
            summary = load_sample_patrol()
        except SamplePatrolError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"{summary.line()} ({time.perf_counter() - started:.1f} s)")
        for warning in summary.shifts.warnings if summary.shifts else []:
            self.stdout.write(self.style.WARNING(warning))
        if not options["no_roster"]:
            self._roster(options["time_limit"])

    def _roster(self, time_limit_s: float) -> None:
        """Generate and publish the autumn term's roster from this week's Monday, once."""
        from patrol.roster.generate import roster_generate
        from patrol.roster.services import roster_publish

        term = Term.objects.get(school_year=SCHOOL_YEAR, name=AUTUMN[0])
        if DutyAssignment.objects.filter(shift__term=term).exists():
            return
        today = timezone.localdate()
        monday = monday_of(today)
        from_date = min(max(monday, term.start_date), term.end_date)
        started = time.perf_counter()
        try:
            with transaction.atomic():  # generated and published, or neither (a re-run tries again)
                roster = roster_generate(term=term, actor=SYSTEM, time_limit_s=time_limit_s, from_date=from_date)
                roster_publish(term=term, actor=SYSTEM)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        coverage = roster.report.get("coverage", {})
        self.stdout.write(
            f"sample roster from {from_date}: {coverage.get('filled')} of {coverage.get('required')} places "
            f"filled, published ({time.perf_counter() - started:.1f} s)"
        )
