"""How long track points are kept: ``DRONE_TRACK_RETENTION_DAYS``, except the points of flights.

The live map and a drone's recent track need days, not years; a flight's log (its track at full
resolution, ``drones.missions.flightlog``) is a record and keeps its points whatever their age. The
clean-up runs daily as a background job of every web process (``DRONE_TRACK_PURGE_INTERVAL_S``; the
deletes are idempotent, so several processes may run it) and on demand with
``manage.py purge_track_points``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Coroutine
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from common.audit import audit_record
from common.roles import SYSTEM
from drones.models import Flight, TrackPoint

log = logging.getLogger(__name__)
_BATCH = 5_000


def _flight_windows(drone_id: int, before: dt.datetime) -> Q:
    """The points of ``drone_id`` inside one of its flights that started before ``before``."""
    q = Q(pk__in=[])
    flights = Flight.objects.filter(drone_id=drone_id, started_at__isnull=False, started_at__lt=before)
    for started, ended in flights.values_list("started_at", "ended_at"):
        q |= Q(at__gte=started) & (Q(at__lte=ended) if ended else Q())
    return q


def track_points_purge(
    *, retention_days: int | None = None, now: dt.datetime | None = None, dry_run: bool = False
) -> int:
    """Delete the track points older than the retention that belong to no flight; return how many.

    ``retention_days`` 0 keeps everything. Deletes in batches so a first clean-up of a large table never
    holds one long transaction. Audited (as the system) when anything is deleted.
    """
    days = settings.DRONE_TRACK_RETENTION_DAYS if retention_days is None else retention_days
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    total = 0
    drone_ids = TrackPoint.objects.filter(at__lt=cutoff).order_by().values_list("drone_id", flat=True).distinct()
    for drone_id in list(drone_ids):
        old = TrackPoint.objects.filter(drone_id=drone_id, at__lt=cutoff).exclude(_flight_windows(drone_id, cutoff))
        if dry_run:
            total += old.count()
            continue
        while True:
            ids = list(old.values_list("pk", flat=True)[:_BATCH])
            if not ids:
                break
            total += TrackPoint.objects.filter(pk__in=ids).delete()[0]
    if total and not dry_run:
        audit_record(
            actor=SYSTEM,
            action="drone.track_purge",
            object_type="drones.trackpoint",
            after={"deleted": total, "older_than": cutoff.isoformat(), "retention_days": days},
        )
    return total


async def track_purge_loop(interval_s: float) -> None:
    """Purge every ``interval_s`` seconds until cancelled; a failed pass is logged and retried."""
    run = database_sync_to_async(track_points_purge)
    while True:
        try:
            deleted = await run()
            if deleted:
                log.info("deleted %d track point(s) past the retention", deleted)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("track point clean-up failed")
        await asyncio.sleep(interval_s)


def track_purge_job() -> Coroutine[Any, Any, None] | None:
    """drones' daily clean-up job (``DronesConfig.ready()``), run by the ASGI lifespan; None when off."""
    interval_s = settings.DRONE_TRACK_PURGE_INTERVAL_S
    if interval_s <= 0 or settings.DRONE_TRACK_RETENTION_DAYS <= 0:
        return None
    return track_purge_loop(interval_s)
