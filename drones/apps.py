from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DronesConfig(AppConfig):
    name = "drones"
    verbose_name = _("Police drones")

    def ready(self) -> None:
        from common.dashboard import section_register
        from common.jobs import job_register
        from common.nav import nav_entry_register, nav_group_register
        from common.roles import Capability
        from drones.airspace.imports import register_kinds
        from drones.airspace.index import airspace_signals_connect
        from drones.bridge.embedded import embedded_bridge_job
        from drones.tracks import track_purge_job

        nav_group_register(key="drones", label=_("Drones"), order=500)
        for order, (url_name, label) in enumerate(
            [
                ("drones:live_map", _("Drone map")),
                ("drones:fleet_list", _("Drones")),
                ("drones:mission_list", _("Missions")),
                ("drones:airspace_list", _("Airspace")),
            ]
        ):
            nav_entry_register(url_name, label, group="drones", order=order * 10, visible=Capability.VIEW_DRONES)
        section_register(key="drones", provider="drones.dashboard.drones_section", order=500)
        # The telemetry bridge in the web process when DRONE_BRIDGE_EMBEDDED is on (the default without Redis).
        job_register(name="embedded drone bridge", start=embedded_bridge_job)
        # The daily clean-up of track points past DRONE_TRACK_RETENTION_DAYS (flights' points are kept).
        job_register(name="track point clean-up", start=track_purge_job)
        # Airspace zones and markets are imported with the import framework (for users who manage the fleet).
        register_kinds()
        # A zone saved or deleted moves the airspace version, so every process rebuilds its check index.
        airspace_signals_connect()
