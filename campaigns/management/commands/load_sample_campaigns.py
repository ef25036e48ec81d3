"""``manage.py load_sample_campaigns``: the sample publicity content (clips, the playlist 反诈宣传, market
attendance) and the sample campaign 反诈宣传进大集 this month (occurrences, a schedule, a few sorties flown with
sample flights and measured); idempotent. Runs after the sample markets and fleet are loaded
(``load_sample_airspace``, ``load_sample_fleet``)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from campaigns.sample import load_sample_campaign, load_sample_content


class Command(BaseCommand):
    help = (
        "Load the sample publicity content: approved sample clips (synthesised tones), the playlist 反诈宣传 "
        "and an expected attendance on each sample market; the sample campaign 反诈宣传进大集 this month, scheduled, "
        "with a few sorties flown. Changes nothing when they are already loaded."
    )

    def handle(self, *args, **options):
        self.stdout.write(load_sample_content().line())
        self.stdout.write(load_sample_campaign().line())
