"""``manage.py notices_deliver``: one pass over the due e-mail and webhook deliveries, for cron.

Set ``NOTICE_DELIVER_INTERVAL_S=0`` when cron runs this instead of the web processes' job; running
both is safe (each delivery is claimed before it is sent). Exit status 0 even when deliveries
failed: they stay queued for the next pass or are listed as failed in the admin.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from common.audit import audit_record
from common.roles import SYSTEM
from notices.sender import deliveries_send_due


class Command(BaseCommand):
    help = "Send the queued notice deliveries (e-mail, SMS / messaging gateway webhook) that are due; one pass."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--limit", type=int, default=500, help="at most this many deliveries (default 500)")

    def handle(self, *args, limit: int, **options) -> None:
        if limit < 1:
            from django.core.management.base import CommandError

            raise CommandError("--limit must be at least 1")
        result = deliveries_send_due(limit=limit)
        if result.attempted:
            audit_record(
                actor=SYSTEM,
                action="notices.deliver",
                object_type="notices.delivery",
                after={"sent": result.sent, "retrying": result.retrying, "failed": result.failed},
            )
        self.stdout.write(f"sent {result.sent}, retrying {result.retrying}, failed {result.failed}")
