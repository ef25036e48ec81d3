"""Django admin for the fleet (bureau administrators). Saves go through the fleet services (audited);
events, track points and control locks are read-only records."""

from __future__ import annotations

from django.contrib import admin

from common.admin import ServiceSaveAdmin
from drones import services
from drones.models import Battery, ControlLock, Drone, DroneEvent, Pilot, TrackPoint


class BatteryInline(admin.TabularInline):
    model = Battery
    extra = 0


@admin.register(Drone)
class DroneAdmin(ServiceSaveAdmin):
    service = services.drone_save
    service_kwarg = "drone"
    list_display = ["name", "serial", "airframe", "connection", "system_id", "status", "station", "is_sample"]
    list_filter = ["status", "airframe", "station"]
    search_fields = ["name", "serial"]
    inlines = [BatteryInline]


@admin.register(Pilot)
class PilotAdmin(ServiceSaveAdmin):
    service = services.pilot_save
    service_kwarg = "pilot"
    list_display = ["user", "licence_no", "licence_class", "licence_expiry"]
    raw_id_fields = ["user"]


@admin.register(Battery)
class BatteryAdmin(ServiceSaveAdmin):
    service = services.battery_save
    service_kwarg = "battery"
    list_display = ["serial", "drone", "capacity_mah", "cycles", "max_cycles", "retired"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DroneEvent)
class DroneEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "drone", "kind", "severity", "text"]
    list_filter = ["kind", "drone"]


@admin.register(TrackPoint)
class TrackPointAdmin(ReadOnlyAdmin):
    list_display = ["at", "drone", "lat", "lon", "alt_rel_m", "mode", "armed"]
    list_filter = ["drone"]


@admin.register(ControlLock)
class ControlLockAdmin(ReadOnlyAdmin):
    list_display = ["drone", "holder", "acquired_at", "renewed_at"]
