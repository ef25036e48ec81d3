"""Django admin for bureau administrators. Liaison assignments are read-only here: they change
only through the assignment services (rules, history and audit)."""

from __future__ import annotations

from django.contrib import admin

from campus import services
from campus.models import (
    CalendarOverride,
    Department,
    DepartmentPairing,
    Gate,
    LiaisonAssignment,
    Officer,
    SafetyContact,
    School,
    SchoolClosure,
    SchoolStaff,
    Station,
    Term,
    Zone,
)
from common.admin import ServiceSaveAdmin


class GateInline(admin.TabularInline):
    model = Gate
    extra = 0


class SafetyContactInline(admin.TabularInline):
    model = SafetyContact
    extra = 0


@admin.register(Station)
class StationAdmin(ServiceSaveAdmin):
    service = services.station_save
    service_kwarg = "station"
    list_display = ["code", "name", "duty_phone", "max_schools_per_officer", "is_sample"]
    search_fields = ["code", "name"]


@admin.register(Zone)
class ZoneAdmin(ServiceSaveAdmin):
    service = services.zone_save
    service_kwarg = "zone"
    list_display = ["code", "name", "station", "is_sample"]
    list_filter = ["station"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "phone"]


@admin.register(Officer)
class OfficerAdmin(ServiceSaveAdmin):
    service = services.officer_save
    service_kwarg = "officer"
    list_display = ["badge_no", "name", "kind", "station", "department", "active", "phone"]
    list_filter = ["kind", "active", "station"]
    search_fields = ["badge_no", "name"]
    raw_id_fields = ["user"]


@admin.register(School)
class SchoolAdmin(ServiceSaveAdmin):
    service = services.school_save
    service_kwarg = "school"
    list_display = ["code", "name", "level", "area", "pupils", "responsible_station", "active", "is_sample"]
    list_filter = ["level", "area", "active", "responsible_station"]
    search_fields = ["code", "name", "address"]
    readonly_fields = ["zone", "responsible_station"]
    inlines = [GateInline, SafetyContactInline]


@admin.register(SchoolStaff)
class SchoolStaffAdmin(admin.ModelAdmin):
    list_display = ["user", "school", "title", "phone"]
    raw_id_fields = ["user", "school"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LiaisonAssignment)
class LiaisonAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["school", "officer", "started_at", "ended_at", "override_reason"]
    list_filter = ["ended_at"]


@admin.register(DepartmentPairing)
class DepartmentPairingAdmin(ReadOnlyAdmin):
    list_display = ["school", "department", "started_at", "ended_at"]


# --- the school calendar ---------------------------------------------------------------------


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ["school_year", "name", "start_date", "end_date", "is_sample"]
    list_filter = ["school_year", "is_sample"]


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "note"]
    list_filter = ["kind"]
    date_hierarchy = "date"


@admin.register(SchoolClosure)
class SchoolClosureAdmin(admin.ModelAdmin):
    list_display = ["school", "kind", "start_date", "end_date", "no_duty", "reason"]
    list_filter = ["kind", "no_duty"]
    search_fields = ["school__name", "school__code", "reason"]
    raw_id_fields = ["school"]
