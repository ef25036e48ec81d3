"""Snapshots of a flight's live video, taken on the flight page and kept in its log.

The page draws the playing frame on a canvas and sends it as PNG (or JPEG). Refused: another format, an
empty body, one over ``DRONE_SNAPSHOT_MAX_BYTES`` (checked before the body is read), or an image Pillow
cannot decode. What is kept is re-encoded as JPEG without metadata (``common.images``, as incident photos
are), with the drone's position at that moment: its track point nearest in time (within
``POSITION_WINDOW_S``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.audit import audit_record
from common.errors import DomainError, NotAllowed
from common.images import ImageRefused, jpeg_reencode
from common.roles import Capability, can
from drones.models import Flight, FlightSnapshot, TrackPoint

POSITION_WINDOW_S = 10.0
MAX_SIDE_PX = 1920
# Magic numbers of the two formats a canvas (and a camera) gives: sniffed, whatever the client declares.
_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}


class SnapshotRefused(DomainError):
    code = "snapshot_refused"


class SnapshotTooLarge(SnapshotRefused):
    code = "snapshot_too_large"
    http_status = 413


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def snapshot_read(upload) -> bytes:
    """The bytes of an uploaded file (Django ``UploadedFile``), refusing an oversized one before reading it."""
    limit = settings.DRONE_SNAPSHOT_MAX_BYTES
    if upload is None:
        raise SnapshotRefused(_("Send the snapshot as the file field “image” (PNG or JPEG)."))
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise SnapshotTooLarge(
            _("The snapshot is %(size)s; at most %(limit)s is accepted.") % {"size": _mb(size), "limit": _mb(limit)}
        )
    return upload.read(limit + 1)


def snapshot_check(content: bytes) -> str:
    """Size and format, before anything is decoded; returns the format ("PNG" or "JPEG")."""
    limit = settings.DRONE_SNAPSHOT_MAX_BYTES
    if not content:
        raise SnapshotRefused(_("The snapshot is empty."))
    if len(content) > limit:
        raise SnapshotTooLarge(
            _("The snapshot is %(size)s; at most %(limit)s is accepted.")
            % {"size": _mb(len(content)), "limit": _mb(limit)}
        )
    for signature, name in _SIGNATURES.items():
        if content.startswith(signature):
            return name
    raise SnapshotRefused(_("A snapshot must be a PNG or JPEG image."))


def drone_position_at(flight: Flight, at: dt.datetime) -> dict[str, float | None] | None:
    """Where the flight's drone was at ``at`` (WGS-84, height above home): its track point nearest in time
    within ``POSITION_WINDOW_S`` (the bridge stores one a second while it flies); None when there is none."""
    window = dt.timedelta(seconds=POSITION_WINDOW_S)
    points = TrackPoint.objects.filter(drone_id=flight.drone_id, at__gte=at - window, at__lte=at + window)
    nearest = sorted(points.only("at", "lat", "lon", "alt_rel_m"), key=lambda p: abs((p.at - at).total_seconds()))
    best = nearest[0] if nearest else None
    if best is not None:
        return {"lat": best.lat, "lon": best.lon, "alt_rel_m": best.alt_rel_m}
    return None


def flight_snapshot_take(*, flight: Flight, actor, content: bytes, ip_address: str | None = None) -> FlightSnapshot:
    """Keep a frame of the flight's video in its log, with the drone's position now. Audited, refused or not."""
    try:
        if not can(actor, Capability.COMMAND_DRONES):
            raise NotAllowed(_("You may not take snapshots of a flight."))
        fmt = snapshot_check(content)
        try:
            jpeg = jpeg_reencode(content, max_side_px=MAX_SIDE_PX)
        except ImageRefused as exc:
            raise SnapshotRefused(exc.message) from None
        with transaction.atomic():
            now = timezone.now()
            position = drone_position_at(flight, now) or {}
            snapshot = FlightSnapshot(
                flight=flight,
                taken_at=now,
                image=jpeg.content,
                width=jpeg.width,
                height=jpeg.height,
                size_bytes=len(jpeg.content),
                lat=position.get("lat"),
                lon=position.get("lon"),
                alt_rel_m=position.get("alt_rel_m"),
                taken_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            snapshot.full_clean(exclude=["image"])
            snapshot.save()
    except DomainError as exc:
        audit_record(
            actor=actor, action="flight.snapshot.refused", obj=flight, reason=exc.message, ip_address=ip_address
        )
        raise
    audit_record(
        actor=actor,
        action="flight.snapshot",
        obj=flight,
        after={"snapshot": snapshot.pk, "format": fmt, "taken_at": snapshot.taken_at, **position},
        ip_address=ip_address,
    )
    return snapshot


def snapshot_as_dict(snapshot: FlightSnapshot) -> dict[str, Any]:
    """What the flight log lists: when, where, by whom, and the image's address."""
    return {
        "id": snapshot.pk,
        "taken_at": snapshot.taken_at,
        "lat": snapshot.lat,
        "lon": snapshot.lon,
        "alt_rel_m": snapshot.alt_rel_m,
        "width": snapshot.width,
        "height": snapshot.height,
        "taken_by": snapshot.taken_by.get_username() if snapshot.taken_by_id and snapshot.taken_by else None,
        "image_url": reverse("drones_api:flight-snapshot-image", args=[snapshot.flight_id, snapshot.pk]),
    }
