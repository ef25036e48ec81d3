from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatrolConfig(AppConfig):
    name = "patrol"
    verbose_name = _("Peak-hour school gate duty")

    def ready(self) -> None:
        from common.dashboard import section_register
        from common.nav import nav_entry_register, nav_group_register
        from common.roles import Capability
        from notices.kinds import notice_kind_register

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

        # Registry changes that break published duties reach the roster in their own transaction.
        from campus.changes import change_hook_register
        from patrol.duty.breaks import duty_breaks_officer_deactivated, duty_breaks_officer_moved

        change_hook_register("officer_moved", duty_breaks_officer_moved)
        change_hook_register("officer_deactivated", duty_breaks_officer_deactivated)
        notice_kind_register("duty_changed", _("My duty changed"), default_channels=("email",))
        notice_kind_register("swap_request", _("Duty swap request"), default_channels=("email",))
