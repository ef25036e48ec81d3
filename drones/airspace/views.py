"""Airspace pages: zones and markets on a map and in tables; a zone's and a market's page and edit form."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.errors import DomainError
from common.forms import save_form_with_service
from common.permissions import capability_required
from common.roles import Capability, can
from drones.airspace import selectors, services
from drones.airspace.forms import WEEKDAYS, AirspaceForm, MarketForm
from drones.airspace.imports import FleetImportKind
from drones.missions.markets import market_crowd_area, market_in_session, next_sessions
from drones.models import Airspace, Market


def _map_context() -> dict:
    return {
        "center": settings.MAP_CENTER,
        "map_labels": map_labels(),
    }


def map_labels() -> dict:
    """What ``static/js/airspace_map.js`` writes on a map of zones and markets, in the reader's language."""
    return {
        "in_session": _("in session now"),
        "not_in_session": _("not in session"),
        "next": _("next"),
        "min_alt": _("fly at least"),
        "details": _("Details"),
        "loaded": _("zones and markets shown"),
        "failed": _("The map data could not be loaded."),
        "crowd_area": _("crowd area while in session"),
        "violation": _("Violation"),
        "notice": _("Notice"),
    }


def _weekday_names(days) -> str:
    names = dict(WEEKDAYS)
    return ", ".join(str(names[d]) for d in sorted(days or []) if d in names)


def _market_rows(markets, now):
    rows = []
    for market in markets:
        upcoming = next_sessions(market, now, count=1)
        rows.append(
            {
                "market": market,
                "in_session": market_in_session(market, now),
                "next": upcoming[0] if upcoming else None,
                "weekday_names": _weekday_names(market.weekdays),
            }
        )
    return rows


@capability_required(Capability.VIEW_DRONES)
def airspace_list(request):
    kind = request.GET.get("kind", "")
    now = timezone.now()
    zones = list(selectors.airspace_list(kind=kind))
    return render(
        request,
        "drones/airspace/airspace_list.html",
        {
            "zones": [{"zone": z, "in_force": z.in_force(now)} for z in zones],
            "markets": _market_rows(selectors.market_list(), now),
            "kinds": Airspace.Kind.choices,
            "kind": kind,
            "can_manage": can(request.user, Capability.MANAGE_FLEET),
            "import_url": reverse("campus:import_list"),
            "airspace_kind": FleetImportKind.AIRSPACE.value,
            "markets_kind": FleetImportKind.MARKETS.value,
            "ceiling_m": settings.DRONE_MAX_HEIGHT_M,
            "max_distance_m": getattr(settings, "DRONE_MAX_DISTANCE_M", 500),
            "reserve_pct": getattr(settings, "DRONE_BATTERY_RESERVE_PCT", 25),
            **_map_context(),
        },
    )


@capability_required(Capability.VIEW_DRONES)
def airspace_detail(request, pk: int):
    zone = get_object_or_404(Airspace, pk=pk)
    return render(
        request,
        "drones/airspace/airspace_detail.html",
        {
            "zone": zone,
            "in_force": zone.in_force(timezone.now()),
            "can_manage": can(request.user, Capability.MANAGE_FLEET),
            "feature": {"type": "Feature", "geometry": zone.geometry, "properties": {"kind": zone.kind}},
            **_map_context(),
        },
    )


def _save(request, form, service, kwarg: str, success_url: str):
    return redirect(success_url) if save_form_with_service(request, form, service, kwarg) is not None else None


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_FLEET)
def airspace_edit(request, pk: int):
    zone = get_object_or_404(Airspace, pk=pk)
    form = AirspaceForm(request.POST or None, instance=zone)
    if request.method == "POST" and form.is_valid():
        response = _save(
            request, form, services.airspace_save, "zone", reverse("drones:airspace_detail", args=[zone.pk])
        )
        if response:
            return response
    return render(request, "drones/edit.html", {"form": form, "title": _("Edit zone %(name)s") % {"name": zone.name}})


@require_POST
@capability_required(Capability.MANAGE_FLEET)
def airspace_toggle(request, pk: int):
    zone = get_object_or_404(Airspace, pk=pk)
    active = request.POST.get("active", "") in ("1", "true", "on")
    try:
        services.airspace_set_active(
            zone=zone, active=active, actor=request.user, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The zone is now in force.") if active else _("The zone is lifted."))
    return redirect("drones:airspace_detail", pk=zone.pk)


@capability_required(Capability.VIEW_DRONES)
def market_detail(request, pk: int):
    market = get_object_or_404(selectors.market_list(), pk=pk)
    now = timezone.now()
    crowd = market_crowd_area(market)
    features = [f for f in (market.area, market.street) if f]
    return render(
        request,
        "drones/airspace/market_detail.html",
        {
            "market": market,
            "in_session": market_in_session(market, now),
            "sessions": next_sessions(market, now, count=10),
            "weekday_names": _weekday_names(market.weekdays),
            "can_manage": can(request.user, Capability.MANAGE_FLEET),
            "feature": {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "geometry": g, "properties": {"kind": "market"}} for g in features]
                + ([{"type": "Feature", "geometry": crowd, "properties": {"kind": "crowd"}}] if crowd else []),
            },
            **_map_context(),
        },
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_FLEET)
def market_edit(request, pk: int):
    market = get_object_or_404(Market, pk=pk)
    form = MarketForm(request.POST or None, instance=market)
    if request.method == "POST" and form.is_valid():
        response = _save(
            request, form, services.market_save, "market", reverse("drones:market_detail", args=[market.pk])
        )
        if response:
            return response
    return render(
        request, "drones/edit.html", {"form": form, "title": _("Edit market %(name)s") % {"name": market.name}}
    )
