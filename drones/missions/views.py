"""Mission and flight pages. The planner and the flight page are Leaflet maps driven by the API;
the forms here create missions (generated from the registry, or imported from a file)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from campus.models import School
from campus.selectors import school_list_visible
from common.errors import DomainError
from common.geo import CRS_LABELS
from common.permissions import capability_required
from common.roles import Capability, can
from drones import services as drone_services
from drones.airspace.views import map_labels
from drones.bridge.freshness import delayed_after_s
from drones.missions import services
from drones.missions.event_labels import mission_event_labels
from drones.models import Drone, Flight, Market, Mission


class GenerateForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[
            ("school_patrol", gettext_lazy("School patrol")),
            ("market_broadcast", gettext_lazy("Market broadcast")),
            ("point_broadcast", gettext_lazy("Point broadcast")),
            ("free", gettext_lazy("Free waypoints (draw on the map)")),
        ],
    )
    drone = forms.ModelChoiceField(
        label=gettext_lazy("Drone"), queryset=Drone.objects.filter(status=Drone.Status.AVAILABLE)
    )
    name = forms.CharField(label=gettext_lazy("Name"), required=False, max_length=120)
    school = forms.ModelChoiceField(
        label=gettext_lazy("School"), queryset=School.objects.filter(active=True), required=False
    )
    market = forms.ModelChoiceField(label=gettext_lazy("Market"), queryset=Market.objects.all(), required=False)
    alt_m = forms.FloatField(label=gettext_lazy("Height (m)"), initial=40, min_value=2)
    laps = forms.IntegerField(label=gettext_lazy("Laps"), required=False, min_value=1, max_value=50)
    minutes = forms.FloatField(label=gettext_lazy("Minutes (market)"), required=False, min_value=1)
    buffer_m = forms.FloatField(label=gettext_lazy("Distance from the campus (m)"), required=False, min_value=5)
    dismissal = forms.TimeField(
        label=gettext_lazy("Dismissal time (patrol)"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    points = forms.CharField(
        label=gettext_lazy("Broadcast points (lat, lon; one a line, or click the map)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "36.1812, 118.1705"}),
    )
    hold_s = forms.FloatField(
        label=gettext_lazy("Loiter time at each point (s)"), required=False, min_value=1, max_value=3600, initial=60
    )

    def clean_points(self) -> list[tuple[float, float]]:
        """``lat, lon`` pairs (WGS-84 degrees), one a line or separated by ``;``."""
        raw = self.cleaned_data.get("points") or ""
        points = []
        for number, line in enumerate((p.strip() for p in raw.replace(";", "\n").splitlines()), start=1):
            if not line:
                continue
            parts = [x for x in line.replace("，", ",").replace(" ", ",").split(",") if x]
            try:
                lat, lon = (float(x) for x in parts)
            except ValueError:
                message = _("Point %(number)d: write it as “latitude, longitude”, e.g. 36.1812, 118.1705.")
                raise forms.ValidationError(message % {"number": number}) from None
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise forms.ValidationError(_("Point %(number)d is not on the earth.") % {"number": number})
            points.append((lat, lon))
        return points

    def clean(self):
        data = super().clean()
        if data.get("kind") == "point_broadcast" and not data.get("points") and "points" not in self.errors:
            self.add_error("points", _("Give at least one point to broadcast at."))
        return data


class ImportForm(forms.Form):
    drone = forms.ModelChoiceField(label=gettext_lazy("Drone"), queryset=Drone.objects.all())
    file = forms.FileField(label=gettext_lazy("QGroundControl .plan or .waypoints file"))


def _options(data: dict) -> dict:
    kind = data["kind"]
    options = {"alt_m": data["alt_m"]}
    if kind == "school_patrol":
        for key in ("laps", "buffer_m", "dismissal"):
            if data.get(key) is not None:
                options[key] = data[key]
    elif kind == "market_broadcast":
        if data.get("minutes"):
            options["minutes"] = data["minutes"]
        else:
            options["laps"] = data.get("laps") or 2
    elif kind == "point_broadcast" and data.get("hold_s"):
        options["hold_s"] = data["hold_s"]
    return options


@capability_required(Capability.VIEW_DRONES)
@require_http_methods(["GET", "POST"])
def mission_list(request):
    can_plan = can(request.user, Capability.PLAN_MISSIONS)
    first_drone = Drone.objects.filter(status=Drone.Status.AVAILABLE).order_by("name").first()
    generate, upload = GenerateForm(initial={"drone": first_drone}), ImportForm(initial={"drone": first_drone})
    import_problems: list[dict] = []  # every problem of a refused file, shown under the import form
    if request.method == "POST":
        if not can_plan:
            return render(request, "403.html", status=403)
        try:
            if "file" in request.FILES:
                upload = ImportForm(request.POST, request.FILES)
                if upload.is_valid():
                    f = upload.cleaned_data["file"]
                    if f.size > settings.UPLOAD_MAX_BYTES:
                        raise DomainError(_("The file is too large."))
                    mission, _result = services.mission_import(
                        drone=upload.cleaned_data["drone"], actor=request.user, filename=f.name, content=f.read()
                    )
                    for note in mission.params.get("notes", []):  # what the import converted or changed
                        messages.info(request, note)
                    return redirect("drones:mission_detail", pk=mission.pk)
            else:
                generate = GenerateForm(request.POST)
                if generate.is_valid():
                    data = generate.cleaned_data
                    if data["kind"] == "free":
                        mission = Mission(
                            name=data["name"] or _("Free waypoints"),
                            kind=Mission.Kind.FREE,
                            drone=data["drone"],
                            takeoff_alt_m=data["alt_m"],
                            launch_lat=data["drone"].home_lat,
                            launch_lon=data["drone"].home_lon,
                        )
                        services.mission_save(mission=mission, actor=request.user)
                    else:
                        mission, _result = services.mission_generate(
                            kind=data["kind"],
                            drone=data["drone"],
                            actor=request.user,
                            name=data["name"],
                            school=data["school"],
                            market=data["market"],
                            points=data["points"] if data["kind"] == "point_broadcast" else None,
                            options=_options(data),
                        )
                        for note in mission.params.get("notes", []):  # e.g. no launch point keeps it in sight
                            messages.warning(request, note)
                    return redirect("drones:mission_detail", pk=mission.pk)
        except DomainError as exc:
            messages.error(request, exc.message)
            if "file" in request.FILES:
                import_problems = [d for d in exc.details if isinstance(d, dict) and d.get("message")]
    missions = Mission.objects.select_related("drone", "school", "market")[:200]
    return render(
        request,
        "drones/missions/mission_list.html",
        {
            "missions": missions,
            "generate": generate,
            "upload": upload,
            "import_problems": import_problems,
            "can_plan": can_plan,
            "center": settings.MAP_CENTER,
        },
    )


@capability_required(Capability.VIEW_DRONES)
def mission_detail(request, pk: int):
    mission = get_object_or_404(Mission.objects.select_related("drone", "school", "market"), pk=pk)
    schools = school_list_visible(request.user).order_by("name").values("id", "name", "lat", "lon")
    return render(
        request,
        "drones/missions/mission_detail.html",
        {
            "mission": mission,
            "can_plan": can(request.user, Capability.PLAN_MISSIONS),
            "can_fly": can(request.user, Capability.COMMAND_DRONES),
            "ceiling_m": settings.DRONE_MAX_HEIGHT_M,
            "flights": mission.flights.select_related("pilot")[:20],
            "labels": _planner_labels(),
            # Typed coordinates: the datums of common.geo, converted to WGS-84 in the page (coords.js).
            "crs_choices": [(crs.value, label) for crs, label in CRS_LABELS.items()],
            # Layers as on the live map: zones in force and markets (the airspace map API), visible schools.
            "map_labels": map_labels(),
            "schools": [s for s in schools if s["lat"] is not None and s["lon"] is not None],
        },
    )


def _planner_labels() -> dict:
    return {
        "waypoint": _("Waypoint"),
        "height": _("Height (m)"),
        "hold": _("Hold (s)"),
        "speaker": _("Loudspeaker"),
        "on": _("on"),
        "off": _("off"),
        "unchanged": _("—"),
        "delete": _("Delete"),
        "saved": _("Saved and checked"),
        "ready": _("Ready to fly"),
        "rejected": _("Rejected"),
        "draft": _("Draft"),
        "launch": _("Launch point"),
        "no_violations": _("No violations."),
        "estimate": _("Estimate"),
        "length": _("Route length"),
        "time": _("Flight time"),
        "endurance": _("Battery used"),
        "reserve": _("Reserve left"),
        "click_to_add": _(
            "Click on the map to add a waypoint at the end, on a leg of the route to insert one there; drag to move."
        ),
        "error": _("Could not save"),
        "saving": _("Saving…"),
        "take_over": _("Take over"),
        "insert_here": _("Click to insert a waypoint here"),
        "insert_after": _("Insert a waypoint after this one"),
        "move_up": _("Move up"),
        "move_down": _("Move down"),
        # JavaScript fills in %(n)s, %(value)s, %(min)s and %(max)s.
        "lap": _("lap %(n)s"),
        "not_a_number": _("“%(value)s” is not a number"),
        "out_of_range": _("must be from %(min)s to %(max)s"),
        "field_lat": _("latitude"),
        "field_lon": _("longitude"),
        "field_alt_m": _("height"),
        "field_hold_s": _("hold"),
        "show_on_map": _("Show on the map"),
        "profile_distance": _("distance along the route"),
        "profile_height": _("height (m)"),
        "profile_ceiling": _("ceiling"),
        "layer_zones": _("Airspace zones"),
        "layer_markets": _("Markets"),
        "layer_schools": _("Schools"),
    }


@capability_required(Capability.VIEW_DRONES)
def flight_list(request):
    flights = Flight.objects.select_related("drone", "pilot", "mission")[:200]
    return render(request, "drones/missions/flight_list.html", {"flights": flights})


@capability_required(Capability.VIEW_DRONES)
def flight_detail(request, pk: int):
    flight = get_object_or_404(Flight.objects.select_related("drone", "pilot", "mission"), pk=pk)
    schools = school_list_visible(request.user).order_by("name").values("id", "name", "lat", "lon")
    return render(
        request,
        "drones/missions/flight_detail.html",
        {
            "flight": flight,
            # Layers as on the live map (zones, markets, schools) and the drone's live video.
            "map_labels": map_labels(),
            "schools": [s for s in schools if s["lat"] is not None and s["lon"] is not None],
            "video": flight.drone.video_source(),
            "can_fly": can(request.user, Capability.COMMAND_DRONES),
            # The same renewal period as the live map: a third of the lock's lifetime.
            "lock_renew_s": max(5, drone_services.control_lock_seconds() // 3),
            "delayed_ms": round(delayed_after_s() * 1000),
            "username": request.user.get_username(),
            "labels": _flight_labels(),
        },
    )


def _flight_labels() -> dict:
    return {
        "mission_events": mission_event_labels(),
        "check": _("Check now"),
        "ok": _("OK"),
        "failed": _("Not passed"),
        "fix": _("Set required parameters"),
        "confirm_first": _("Tick the confirmation box first."),
        "started": _("Started"),
        "working": _("Working…"),
        "status": _("Status"),
        "item": _("Current item"),
        "reached": _("Reached"),
        "eta": _("Time to go"),
        "speaker": _("Loudspeaker"),
        "on": _("on"),
        "off": _("off"),
        "duration": _("Duration"),
        "distance": _("Distance"),
        "max_alt": _("Highest"),
        "broadcast": _("Broadcast"),
        "link_lost": _("Link lost"),
        "remaining": _("Still to fly"),
        "alt": _("Altitude"),
        "speed": _("Speed"),
        "battery": _("Battery"),
        "gps": _("GPS"),
        "satellites": _("satellites"),
        "gps_fix": _("fix"),
        "link": _("Link"),
        "mode": _("Mode"),
        "armed": _("armed"),
        "disarmed": _("disarmed"),
        "ago": _("%(seconds)s s ago"),
        "no_link": _("no link"),
        "no_data": _("No telemetry yet"),
        "outcome": _("Outcome"),
        "controlled_by": _("Controlled by"),
        "you": _("you"),
        "nobody": _("nobody"),
        "until": _("until"),
        "take_control": _("Take control"),
        "take_over": _("Take over"),
        "confirm_cancel": _("Cancel this flight? It will not take off."),
        "fence_and_failsafes": _("Fence breaches and failsafes in this flight"),
        "statuses": {value: str(label) for value, label in Flight.Status.choices},
        "outcomes": {value: str(label) for value, label in Flight.Outcome.choices},
    }
