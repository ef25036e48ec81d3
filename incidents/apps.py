from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _is_school_staff(user) -> bool:
    from common.roles import Role, roles_of

    return Role.SCHOOL_STAFF in roles_of(user)


class IncidentsConfig(AppConfig):
    name = "incidents"
    label = "incidents"
    verbose_name = _("Incident reports")

    def ready(self) -> None:
        from common.dashboard import section_register
        from common.jobs import job_register
        from common.nav import nav_entry_register, nav_group_register
        from common.roles import Capability
        from incidents.escalation import escalation_job
        from notices.kinds import notice_kind_register

        nav_group_register(key="incidents", label=_("Incidents"), order=300)
        for order, (url_name, label, visible) in enumerate(
            [
                ("incidents:report-new", _("Report an incident"), Capability.REPORT_INCIDENTS),
                ("incidents:report-mine", _("My school's reports"), _is_school_staff),
                ("incidents:handle-inbox", _("Incident inbox"), Capability.ANALYZE_INCIDENTS),  # handlers, leadership
                ("incidents:handle-follow-ups", _("Follow-ups"), Capability.FOLLOW_UP_INCIDENTS),
                ("incidents:handle-rectifications", _("Rectification items"), Capability.ANALYZE_INCIDENTS),
                ("incidents:analysis-month", _("Incident analysis"), Capability.ANALYZE_INCIDENTS),
            ]
        ):
            nav_entry_register(url_name, label, group="incidents", order=order * 10, visible=visible)
        section_register(key="incidents", provider="incidents.dashboard.incidents_section", order=300)
        # Escalating unacknowledged reports runs in every web process (INCIDENT_ESCALATE_INTERVAL_S; 0 = off).
        job_register(name="incident escalation", start=escalation_job)
        notice_kind_register("incident_routed", _("Incident routed to me"), default_channels=("email", "webhook"))
        notice_kind_register("incident_escalated", _("Incident escalated"), default_channels=("email", "webhook"))
