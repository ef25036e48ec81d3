"""``manage.py measure_sorties CAMPAIGN``: measure every flown sortie of a campaign again from its flight's
track (by id or exact name; ``--all`` for every campaign). Idempotent: unchanged sorties are not written."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from campaigns.models import Campaign
from campaigns.reporting.services import campaign_measure
from common.roles import SYSTEM


class Command(BaseCommand):
    help = "Measure the flown sorties of a campaign again (broadcast over the crowd and reach) from their flights."

    def add_arguments(self, parser):
        parser.add_argument("campaign", nargs="?", help="the campaign's id or exact name")
        parser.add_argument("--all", action="store_true", help="every campaign")

    def handle(self, *args, **options):
        if options["all"]:
            campaigns = list(Campaign.objects.order_by("pk"))
        elif options["campaign"]:
            value = options["campaign"]
            found = Campaign.objects.filter(pk=int(value)) if value.isdigit() else Campaign.objects.filter(name=value)
            campaigns = list(found)
            if not campaigns:
                raise CommandError(f"No campaign with the id or name “{value}”.")
        else:
            raise CommandError("Name a campaign (id or name) or give --all.")
        for campaign in campaigns:
            result = campaign_measure(campaign=campaign, actor=SYSTEM, reason="manage.py measure_sorties")
            self.stdout.write(
                f"{campaign.name}: {result.measured} flown sorties measured, {result.changed} changed, "
                f"{len(result.skipped)} skipped."
            )
            for skipped in result.skipped:
                self.stdout.write(f"  sortie {skipped['sortie']}: {skipped['detail']}")
