from __future__ import annotations

from django.contrib import admin

from common.models import AuditLogEntry


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
