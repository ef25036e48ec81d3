"""Django admin for bureau administrators: every 护学岗 model, mostly for looking things up.

Writes with rules (bells, shifts, rosters, check-ins) belong to the pages and services; the admin is the
escape hatch, so list views are searchable and filterable and heavy relations use raw id fields.
"""

from __future__ import annotations

from django.contrib import admin

from patrol.models import (
    BellSchedule,
    BellTime,
    CheckIn,
    DutyAssignment,
    DutyShift,
    DutyStaff,
    GuardPatrol,
    Leave,
    Post,
    Roster,
    SwapRequest,
    WindowRule,
)


class BellTimeInline(admin.TabularInline):
    model = BellTime
    extra = 0


@admin.register(BellSchedule)
class BellScheduleAdmin(admin.ModelAdmin):
    list_display = ["school", "name", "weekdays"]
    search_fields = ["school__name", "school__code", "name"]
    raw_id_fields = ["school"]
    inlines = [BellTimeInline]


@admin.register(WindowRule)
class WindowRuleAdmin(admin.ModelAdmin):
    list_display = ["kind", "school", "before_min", "after_min"]
    list_filter = ["kind"]
    raw_id_fields = ["school"]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["__str__", "requirements", "window_kinds", "checkin_radius_m", "active", "is_sample"]
    list_filter = ["active", "is_sample"]
    search_fields = ["name", "gate__name", "gate__school__name"]
    raw_id_fields = ["gate"]


class LeaveInline(admin.TabularInline):
    model = Leave
    extra = 0


@admin.register(DutyStaff)
class DutyStaffAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "station", "school", "user", "active", "is_sample"]
    list_filter = ["role", "active", "is_sample", "station"]
    search_fields = ["name", "phone"]
    raw_id_fields = ["officer", "school", "user"]
    readonly_fields = ["calendar_token"]
    inlines = [LeaveInline]


@admin.register(Leave)
class LeaveAdmin(admin.ModelAdmin):
    list_display = ["staff", "kind", "start", "end", "reason"]
    list_filter = ["kind"]
    search_fields = ["staff__name", "reason"]
    raw_id_fields = ["staff"]


@admin.register(DutyShift)
class DutyShiftAdmin(admin.ModelAdmin):
    list_display = ["post", "date", "kind", "start", "end", "requirements"]
    list_filter = ["kind", "term"]
    date_hierarchy = "date"
    raw_id_fields = ["post", "term"]


@admin.register(Roster)
class RosterAdmin(admin.ModelAdmin):
    list_display = ["term", "status", "version", "published_at", "generated_at"]
    list_filter = ["status"]
    readonly_fields = ["report"]


@admin.register(DutyAssignment)
class DutyAssignmentAdmin(admin.ModelAdmin):
    list_display = ["shift", "staff", "role", "source", "pinned", "published"]
    list_filter = ["role", "source", "pinned", "published"]
    search_fields = ["staff__name"]
    raw_id_fields = ["shift", "staff"]


@admin.register(SwapRequest)
class SwapRequestAdmin(admin.ModelAdmin):
    list_display = ["assignment", "to_staff", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    raw_id_fields = ["assignment", "to_staff", "in_return", "requested_by", "decided_by"]


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ["assignment", "checked_in_at", "late", "in_distance_m", "checked_out_at", "early"]
    list_filter = ["late", "early"]
    raw_id_fields = ["assignment", "checked_in_by"]


@admin.register(GuardPatrol)
class GuardPatrolAdmin(admin.ModelAdmin):
    list_display = ["shift", "staff", "started_at", "ended_at", "area_cleared"]
    list_filter = ["area_cleared"]
    raw_id_fields = ["shift", "staff", "recorded_by"]
