from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "notices"
    label = "notices"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from common.jobs import job_register
        from notices.sender import deliver_job

        # Sending queued e-mail and webhook deliveries runs in every web process
        # (NOTICE_DELIVER_INTERVAL_S; 0 = off, e.g. when cron runs ``manage.py notices_deliver``).
        job_register(name="notice delivery", start=deliver_job)
