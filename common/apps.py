from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = _("Common: roles and audit log")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_out
        from django.db.backends.signals import connection_created
        from django.db.models.signals import m2m_changed, post_save

        from common import login_throttle, tokens
        from common.db import on_connection_created
        from common.websockets import on_user_logged_out, on_user_roles_changed, on_user_saved

        connection_created.connect(on_connection_created, dispatch_uid="common_audit_purge")
        # Websockets live only as long as their session and role (common.websockets).
        user = get_user_model()
        user_logged_out.connect(on_user_logged_out, dispatch_uid="common_ws_logout")
        m2m_changed.connect(on_user_roles_changed, sender=user.groups.through, dispatch_uid="common_ws_roles")
        post_save.connect(on_user_saved, sender=user, dispatch_uid="common_ws_user_saved")
        # API tokens revoked when a password changes or a user is deactivated; lockouts audited.
        tokens.connect_receivers()
        login_throttle.connect_receivers()
        # The menu's first and last links; the apps register theirs in between (common.nav).
        from common.nav import nav_entry_register
        from common.roles import Capability

        nav_entry_register("home", _("Overview"), order=0)
        nav_entry_register("audit_log", _("Audit log"), order=900, visible=Capability.VIEW_AUDIT)
