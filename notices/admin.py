"""Admin: every notice, preference and delivery; failed deliveries are one filter away, with their last error."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from notices.models import Delivery, Notice, NoticePreference


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    readonly_fields = ("channel", "status", "attempts", "next_attempt_at", "last_error", "sent_at", "created_at")


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "title", "urgent", "read_at")
    list_filter = ("kind", "urgent", ("read_at", admin.EmptyFieldListFilter))
    search_fields = ("title", "user__username", "dedupe_key")
    raw_id_fields = ("user",)
    readonly_fields = ("created_at",)
    inlines = [DeliveryInline]


@admin.register(NoticePreference)
class NoticePreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "email", "webhook", "updated_at")
    list_filter = ("kind", "email", "webhook")
    search_fields = ("user__username",)
    raw_id_fields = ("user",)


@admin.action(description=_("Retry the selected deliveries now"))
def delivery_retry(modeladmin, request, queryset):
    from django.utils import timezone

    count = queryset.exclude(status=Delivery.Status.SENT).update(
        status=Delivery.Status.QUEUED, attempts=0, next_attempt_at=timezone.now()
    )
    modeladmin.message_user(request, _("%(count)s deliveries queued again.") % {"count": count})


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "notice", "channel", "status", "attempts", "next_attempt_at", "last_error")
    list_filter = ("status", "channel")
    search_fields = ("notice__user__username", "last_error")
    raw_id_fields = ("notice",)
    readonly_fields = ("created_at", "sent_at")
    actions = [delivery_retry]
