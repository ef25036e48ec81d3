from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    label = "reports"
    verbose_name = _("Monthly reports")

    def ready(self) -> None:
        from common.nav import nav_entry_register, nav_group_register
        from reports.access import may_edit_targets, may_see_reports

        nav_group_register(key="reports", label=_("Reports"), order=700)
        nav_entry_register(
            "reports:report-list", _("Monthly reports"), group="reports", order=10, visible=may_see_reports
        )
        nav_entry_register(
            "reports:target-list", _("Unit targets"), group="reports", order=20, visible=may_edit_targets
        )
