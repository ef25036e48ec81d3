"""Fleet pages: drones (list, detail, edit), pilots, batteries."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from campus.selectors import school_list_visible
from common.forms import save_form_with_service
from common.permissions import capability_required
from common.roles import Capability, can
from drones import selectors, services
from drones.airspace.views import map_labels
from drones.bridge.freshness import delayed_after_s
from drones.forms import BatteryForm, DroneForm, PilotForm
from drones.missions.event_labels import mission_event_labels
from drones.models import Battery, Drone, Pilot


@capability_required(Capability.VIEW_DRONES)
def fleet_list(request):
    drones = selectors.drones_with_live_state(selectors.drone_list())
    return render(
        request,
        "drones/fleet_list.html",
        {
            "drones": drones,
            "can_manage": can(request.user, Capability.MANAGE_FLEET),
        },
    )


RECENT_EVENTS_S = 3600  # a page opened now shows each drone's events of the last hour


@capability_required(Capability.VIEW_DRONES)
def live_map(request):
    """Every drone live on the map; operators take control and command from here."""
    drones = list(Drone.objects.exclude(status=Drone.Status.RETIRED).order_by("name"))
    focus = request.GET.get("drone", "")
    since = timezone.now() - dt.timedelta(seconds=RECENT_EVENTS_S)
    recent = selectors.fleet_recent_events([d.id for d in drones], since=since)
    schools = school_list_visible(request.user).order_by("name").values("id", "name", "lat", "lon")
    return render(
        request,
        "drones/live_map.html",
        {
            "drones": [
                {
                    "id": d.id,
                    "name": d.name,
                    "status": d.status,
                    "loudspeaker": d.has_loudspeaker,
                    "home": [d.home_lat, d.home_lon] if d.home_lat is not None else None,
                    "events": recent[d.id],
                    "video": d.video_source(),
                }
                for d in drones
            ],
            "focus": int(focus) if focus.isdigit() else None,
            # Layers: zones in force and markets (the airspace map API), the schools this user may see.
            "airspace_url": reverse("drones_api:airspace-map"),
            "schools": [s for s in schools if s["lat"] is not None and s["lon"] is not None],
            "map_labels": map_labels(),
            "can_command": can(request.user, Capability.COMMAND_DRONES),
            "center": settings.MAP_CENTER,
            "ceiling_m": settings.DRONE_MAX_HEIGHT_M,
            "lock_renew_s": max(5, services.control_lock_seconds() // 3),
            "delayed_ms": round(delayed_after_s() * 1000),
            "username": request.user.get_username(),
            "labels": {
                "mission_events": mission_event_labels(),
                "connected": _("connected"),
                "link_lost": _("LINK LOST"),
                "offline": _("offline"),
                "other_gcs": _("Another ground station holds the link"),
                "armed": _("armed"),
                "disarmed": _("disarmed"),
                "alt": _("Altitude"),
                "speed": _("Speed"),
                "climb": _("Climb"),
                "battery": _("Battery"),
                "mode": _("Mode"),
                "gps": _("GPS"),
                "ekf": _("EKF"),
                "mission": _("Mission item"),
                "satellites": _("satellites"),
                "ok": _("OK"),
                "bad": _("not ready"),
                "take_control": _("Take control"),
                "release": _("Release control"),
                "take_over": _("Take over"),
                "controlled_by": _("Controlled by"),
                "you": _("you"),
                "sent": _("sent"),
                "done": _("done"),
                "no_data": _("No telemetry yet"),
                "resync": _("Missed updates: resynchronised"),
                "socket_closed": _("Live connection lost; reconnecting…"),
                "layer_zones": _("Airspace zones"),
                "layer_markets": _("Markets"),
                "layer_schools": _("Schools"),
            },
        },
    )


@capability_required(Capability.VIEW_DRONES)
def drone_detail(request, pk: int):
    drone = get_object_or_404(selectors.drone_list(), pk=pk)
    (drone,) = selectors.drones_with_live_state([drone])
    return render(
        request,
        "drones/drone_detail.html",
        {
            "drone": drone,
            "events": selectors.drone_events(drone, limit=50),
            "holder": services.lock_holder(drone),
            "can_manage": can(request.user, Capability.MANAGE_FLEET),
            "can_command": can(request.user, Capability.COMMAND_DRONES),
        },
    )


def _edit(request, form_class, instance, service, kwarg: str, template_title: str, success_url):
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        obj = save_form_with_service(request, form, service, kwarg)
        if obj is not None:
            return redirect(*success_url(obj))
    return render(request, "drones/edit.html", {"form": form, "title": template_title, "instance": instance})


@capability_required(Capability.MANAGE_FLEET)
@require_http_methods(["GET", "POST"])
def drone_edit(request, pk: int | None = None):
    drone = get_object_or_404(Drone, pk=pk) if pk else None
    return _edit(
        request,
        DroneForm,
        drone,
        services.drone_save,
        "drone",
        _("Edit drone") if drone else _("Add a drone"),
        lambda d: ("drones:drone_detail", d.pk),
    )


@capability_required(Capability.VIEW_DRONES)
def pilot_list(request):
    return render(
        request,
        "drones/pilot_list.html",
        {
            "pilots": Pilot.objects.select_related("user"),
            "can_manage": can(request.user, Capability.MANAGE_FLEET),
        },
    )


@capability_required(Capability.MANAGE_FLEET)
@require_http_methods(["GET", "POST"])
def pilot_edit(request, pk: int | None = None):
    pilot = get_object_or_404(Pilot, pk=pk) if pk else None
    return _edit(
        request,
        PilotForm,
        pilot,
        services.pilot_save,
        "pilot",
        _("Edit pilot") if pilot else _("Add a pilot"),
        lambda p: ("drones:pilot_list",),
    )


@capability_required(Capability.VIEW_DRONES)
def battery_list(request):
    return render(
        request,
        "drones/battery_list.html",
        {
            "batteries": Battery.objects.select_related("drone"),
            "can_manage": can(request.user, Capability.MANAGE_FLEET),
        },
    )


@capability_required(Capability.MANAGE_FLEET)
@require_http_methods(["GET", "POST"])
def battery_edit(request, pk: int | None = None):
    battery = get_object_or_404(Battery, pk=pk) if pk else None
    return _edit(
        request,
        BatteryForm,
        battery,
        services.battery_save,
        "battery",
        _("Edit battery") if battery else _("Add a battery"),
        lambda b: ("drones:battery_list",),
    )
