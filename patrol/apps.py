from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatrolConfig(AppConfig):
    name = "patrol"
    verbose_name = _("Peak-hour school gate duty")

    def ready(self) -> None:
        from common.dashboard import section_register
        from common.nav import nav_entry_register, nav_group_register
        from common.roles import Capability

        nav_group_register(key="duty", label=_("Gate duty"), order=200)
        for order, (url_name, label, visible) in enumerate(
            [
                ("patrol:duty-today", _("Today's duties"), Capability.STAND_DUTY),
                ("patrol:duty-board", _("Duty board"), Capability.VIEW_DUTY),
                ("patrol:roster-home", _("Duty rosters"), Capability.VIEW_DUTY),
                ("patrol:duty-stats", _("Duty statistics"), Capability.VIEW_DUTY),
                ("patrol:schedule-home", _("Duty setup"), Capability.MANAGE_DUTY),
            ]
        ):
            nav_entry_register(url_name, label, group="duty", order=order * 10, visible=visible)
        section_register(key="duty", provider="patrol.duty.dashboard.duty_section", order=200)
