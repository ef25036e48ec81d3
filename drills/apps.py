from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DrillsConfig(AppConfig):
    name = "drills"
    label = "drills"
    verbose_name = _("Drills and emergency plans")

    def ready(self) -> None:
        from common.dashboard import section_register
        from common.nav import nav_entry_register, nav_group_register
        from common.roles import Capability
        from common.sections import school_section_register
        from notices.kinds import notice_kind_register

        nav_group_register(key="drills", label=_("Drills"), order=400)
        for order, (url_name, label) in enumerate(
            [
                ("drills:drill-board", _("Drill compliance")),
                ("drills:plan-list", _("Emergency plans")),
                ("drills:activity-list", _("Police-school activities")),
            ]
        ):
            nav_entry_register(url_name, label, group="drills", order=order * 10, visible=Capability.VIEW_DRILLS)
        section_register(key="drills", provider="drills.dashboard.drills_section", order=400)
        # The school page's plans and activities: campus renders the section without knowing drills.
        school_section_register(
            key="drills",
            template="drills/plans/_school_section.html",
            context="drills.school_section.school_safety",
            order=100,
        )
        # Bell only by default: drills e-mails its reminders itself (drills.reminders).
        notice_kind_register("drill_reminder", _("Drill reminder"), default_channels=())
        notice_kind_register("plan_reminder", _("Emergency plan review reminder"), default_channels=())
