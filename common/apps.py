from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = _("Common: roles and audit log")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from common.db import on_connection_created

        connection_created.connect(on_connection_created, dispatch_uid="common_audit_purge")
