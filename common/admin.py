from __future__ import annotations

from axes.admin import AccessAttemptAdmin
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common import admin_users
from common.login_throttle import client_ip, unlocking_as
from common.models import ApiToken, AuditLogEntry
from common.tokens import api_token_revoke


class ServiceSaveAdmin(admin.ModelAdmin):
    """Saves through the app's service so admin edits are validated like the pages and audited."""

    service = None
    service_kwarg = ""

    def save_model(self, request, obj, form, change):
        type(self).service(**{self.service_kwarg: obj, "actor": request.user, "reason": "admin"})


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only."""

    list_display = ["at", "actor_name", "action", "object_type", "object_id", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_name", "object_repr", "reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created by their owners (the key is shown once, to them); admins see and revoke them."""

    list_display = ["name", "user", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_reason"]
    search_fields = ["name", "prefix", "user__username"]
    list_select_related = ["user"]
    actions = ["revoke_selected"]
    readonly_fields = [f.name for f in ApiToken._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke_selected(self, request, queryset):
        revoked = sum(
            api_token_revoke(
                token=token, actor=request.user, reason=ApiToken.RevokedReason.ADMIN, ip_address=client_ip(request)
            )
            for token in queryset
        )
        self.message_user(
            request, ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", revoked) % {"count": revoked}
        )


class AuditedAccessAttemptAdmin(AccessAttemptAdmin):
    """axes' access attempts; deleting them clears a lockout, audited with the administrator's name."""

    def delete_model(self, request, obj):
        with unlocking_as(request.user):
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with unlocking_as(request.user):
            super().delete_queryset(request, queryset)

    @admin.action(description=_("Clean up expired attempts"))
    def cleanup_expired_attempts(self, request, queryset):
        # axes' action reads the attempt time its login handling puts on a request; an admin request has none.
        AxesProxyHandler.update_request(request)
        with unlocking_as(request.user):
            super().cleanup_expired_attempts(request, queryset)


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)
admin.site.register(AccessAttempt, AuditedAccessAttemptAdmin)


# Roles are groups granted on the user's admin page: that page is audited (``common.admin_users``).
admin_users.register()
