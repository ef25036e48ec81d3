"""Writes for airspace zones and markets: validated, audited, by users who manage the fleet."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from common.audit import audit_record, save_audited, snapshot
from common.errors import NotAllowed
from common.roles import Capability, can
from drones.missions.frame import circle_geojson
from drones.models import Airspace, Market


def _require_manage(actor) -> None:
    if not can(actor, Capability.MANAGE_FLEET):
        raise NotAllowed(_("You may not change airspace zones or markets."))


def airspace_fill_circle(zone: Airspace) -> None:
    """A zone given as a centre and a radius (airports) gets its circle polygon, drawn in UTM."""
    if zone.center_lat is not None and zone.center_lon is not None and zone.buffer_m and not zone.geometry:
        zone.geometry = circle_geojson(zone.center_lat, zone.center_lon, zone.buffer_m)


@transaction.atomic
def airspace_save(*, zone: Airspace, actor, reason: str = "") -> Airspace:
    """Create or update a zone. Without a polygon, ``center_lat``/``center_lon`` + ``buffer_m`` make a circle."""
    _require_manage(actor)
    airspace_fill_circle(zone)
    return save_audited(zone, actor=actor, action="airspace", reason=reason)


@transaction.atomic
def airspace_set_active(*, zone: Airspace, active: bool, actor, reason: str = "") -> Airspace:
    """Put a zone in force or lift it (kept for the record either way)."""
    _require_manage(actor)
    if zone.active == active:
        return zone
    before = snapshot(zone, ["active"])
    zone.active = active
    zone.save(update_fields=["active", "updated_at"])  # updated_at: the airspace version (drones.airspace.index)
    audit_record(
        actor=actor,
        action="airspace.activate" if active else "airspace.deactivate",
        obj=zone,
        before=before,
        after=snapshot(zone, ["active"]),
        reason=reason,
    )
    return zone


@transaction.atomic
def market_save(*, market: Market, actor, reason: str = "") -> Market:
    _require_manage(actor)
    return save_audited(market, actor=actor, action="market", reason=reason)
