from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Publicity campaigns")

    def ready(self) -> None:
        from campaigns.reporting.services import on_flight_ended
        from campaigns.sheets.preflight import CHECK_KEY, sortie_application_check
        from common.dashboard import section_register
        from common.nav import nav_entry_register, nav_group_register
        from common.roles import Capability
        from drones.missions.preflight import preflight_check_register
        from drones.missions.signals import flight_ended

        nav_group_register(key="campaigns", label=_("Campaigns"), order=550)
        for order, (url_name, label) in enumerate(
            [
                ("campaigns:campaign-list", _("Campaigns")),
                ("campaigns:sheet-day", _("Day sheets")),
                ("campaigns:application-list", _("Flight applications")),
                ("campaigns:clip-list", _("Broadcast clips")),
                ("campaigns:playlist-list", _("Playlists")),
                ("campaigns:reach-year", _("Reach")),
            ],
            start=1,
        ):
            nav_entry_register(url_name, label, group="campaigns", order=order * 10, visible=Capability.VIEW_CAMPAIGNS)
        # The overview's section: this year's reach against the bureau's target, today's sorties.
        section_register(key="campaigns", provider="campaigns.reporting.dashboard.campaigns_section", order=550)
        # A flight of a sortie that lands or fails is measured (broadcast seconds over the crowd, reach).
        flight_ended.connect(on_flight_ended, dispatch_uid="campaigns.measure_sortie")
        # The preflight of a sortie's flight reads its flight application (approved, with its reference).
        preflight_check_register(CHECK_KEY, sortie_application_check)
