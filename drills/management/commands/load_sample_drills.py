"""``manage.py load_sample_drills``: sample drills and corrective actions at the sample schools."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from drills.sample import load_sample_drills


class Command(BaseCommand):
    help = (
        "Add sample drills held this school year at the sample schools (some compliant, some behind) with "
        "corrective actions, some overdue. Run load_sample_county and the patrol sample first. Does nothing "
        "when sample drills exist."
    )

    def handle(self, *args, **options):
        self.stdout.write(load_sample_drills().line())
