"""The user admin, audited: who granted or removed a role, (de)activated or created a user, set a password.

Roles are Django groups, granted on the user's admin page. Django's own admin keeps a LogEntry that says
only "Changed groups"; the bureau's audit log (``common.audit``) must say who, whom, which roles before
and after, and it is append-only. Registered from ``common.admin``.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from common.audit import audit_record

User = get_user_model()

# Account fields whose change is audited (never the password hash itself).
AUDITED_FIELDS = ("username", "first_name", "last_name", "email", "is_active", "is_staff", "is_superuser")


def _roles(user) -> list[str]:
    return sorted(user.groups.values_list("name", flat=True)) if user.pk else []


def _fields(user) -> dict:
    return {name: getattr(user, name) for name in AUDITED_FIELDS}


class AuditedUserAdmin(UserAdmin):
    def save_model(self, request, obj, form, change):
        before = _fields(User.objects.get(pk=obj.pk)) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        after = _fields(obj)
        if not change:
            audit_record(actor=request.user, action="user.create", obj=obj, after=after, reason="admin")
        elif before != after:
            changed = sorted(k for k in after if before.get(k) != after[k])
            audit_record(
                actor=request.user,
                action="user.update",
                obj=obj,
                before={k: before[k] for k in changed},
                after={k: after[k] for k in changed},
                reason="admin",
            )

    def save_related(self, request, form, formsets, change):
        before = _roles(form.instance) if change else []
        super().save_related(request, form, formsets, change)
        after = _roles(form.instance)
        if before != after:
            audit_record(
                actor=request.user,
                action="user.roles",
                obj=form.instance,
                before={"roles": before},
                after={"roles": after, "granted": sorted(set(after) - set(before)),
                       "removed": sorted(set(before) - set(after))},
                reason="admin",
            )  # fmt: skip

    def delete_model(self, request, obj):
        snapshot = {**_fields(obj), "roles": _roles(obj)}
        pk, name = obj.pk, str(obj)
        super().delete_model(request, obj)
        audit_record(
            actor=request.user,
            action="user.delete",
            object_type="auth.user",
            object_id=pk,
            object_repr=name,
            before=snapshot,
            reason="admin",
        )

    def delete_queryset(self, request, queryset):
        for user in queryset:
            self.delete_model(request, user)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            target = User.objects.filter(pk=id).first()
            if target is not None:
                audit_record(actor=request.user, action="user.password_set", obj=target, reason="admin")
        return response


def register() -> None:
    """Replace Django's user admin with the audited one."""
    if admin.site.is_registered(User):
        admin.site.unregister(User)
    admin.site.register(User, AuditedUserAdmin)
