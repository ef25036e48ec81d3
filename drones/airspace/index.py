"""The airspace index the mission checks use: built once per process, rebuilt when the zones change.

Reading and decoding every zone through the ORM and building the STRtree took most of a check
(issue 14), and the planner page checks on every edit. So each process keeps one
``AirspaceIndex`` of every zone put in force (``active``), with each zone's validity window, and
narrows it to the mission's time at every check (``AirspaceIndex.in_force_at``): only the zones are
cached, never an answer that depends on the time.

The copy is keyed by the airspace version, two parts read before every check:

- a token in Django's cache (Redis with ``REDIS_URL``, so shared by every process), moved by
  ``airspace_changed`` after the commit of every write: the services, ``Airspace.save()`` and
  ``delete()`` by signal, and the imports (whose bulk writes send no signals). A rolled-back write
  moves nothing. A cache that lost the token (flushed, evicted, restarted) gets a new random one,
  which no process holds;
  A cache that cannot be reached (Redis down) counts as a token nobody knows: the checks go on with
  the fingerprint alone, and the outage is logged once (``_cache_failed``);
- a fingerprint of the table from one small query (how many zones, how many in force, the largest
  id, the last ``updated_at``), so a write the token did not hear of (another process without a
  shared cache, a ``manage.py`` command, a queryset ``update``) is seen too. It also sees this
  connection's uncommitted writes, and a rollback moves it back, so neither leaves a stale copy.

The version is read before the zones, so a copy is never older than its key.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max, Q
from django.db.models.signals import post_delete, post_save

from drones.missions.checks.zones import AirspaceIndex, Zone
from drones.models import Airspace

try:
    from redis.exceptions import RedisError
except ImportError:  # no Redis client installed: only the local caches, which do not fail this way
    RedisError = OSError

log = logging.getLogger(__name__)

VERSION_KEY = "drones:airspace:version"
UNKNOWN_TOKEN = -1  # the cache keeps nothing or cannot be reached: the table's fingerprint decides
# What Django's cache backends raise when their server is unreachable (redis-py's errors, socket errors).
CACHE_ERRORS = (RedisError, OSError)


@dataclass(frozen=True)
class AirspaceVersion:
    token: int
    fingerprint: tuple


_lock = threading.Lock()
_cached: tuple[AirspaceVersion, AirspaceIndex] | None = None


_cache_down = False  # logged already: one warning per outage, not one per check


def _cache_failed(error: Exception, doing: str) -> None:
    global _cache_down
    if not _cache_down:
        _cache_down = True
        log.warning(
            "The cache is unreachable (%s while %s): the airspace index follows the zones table alone "
            "until it is back, so a zone edit another process makes without touching updated_at goes unseen.",
            error,
            doing,
        )


def _cache_works() -> None:
    global _cache_down
    if _cache_down:
        _cache_down = False
        log.warning("The cache is reachable again: the airspace version is shared again.")


def _new_token() -> int:
    return secrets.randbits(62)


def _token() -> int:
    try:
        token = cache.get(VERSION_KEY)
        if token is None:
            # Random, not 0: after a flush a restarted counter could meet a token some process still holds.
            cache.add(VERSION_KEY, _new_token(), timeout=None)
            token = cache.get(VERSION_KEY)
    except CACHE_ERRORS as exc:
        _cache_failed(exc, "reading the airspace version")
        return UNKNOWN_TOKEN
    _cache_works()
    return int(token) if token is not None else UNKNOWN_TOKEN


def _fingerprint() -> tuple:
    found = Airspace.objects.aggregate(
        zones=Count("id"), in_force=Count("id", filter=Q(active=True)), last_id=Max("id"), changed=Max("updated_at")
    )
    return (found["zones"], found["in_force"], found["last_id"], found["changed"])


def airspace_version() -> AirspaceVersion:
    """The airspace version now: the shared token and the table's fingerprint (one cache read, one query)."""
    return AirspaceVersion(_token(), _fingerprint())


def _token_move() -> None:
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:  # no token yet (or flushed): any new one differs from every copy's
            cache.set(VERSION_KEY, _new_token(), timeout=None)
    except CACHE_ERRORS as exc:
        # After the commit: the write stands, and the fingerprint tells the other processes of it.
        _cache_failed(exc, "moving the airspace version")
        return
    _cache_works()


def airspace_changed() -> None:
    """Tell every process the zones changed, once the current transaction commits (at once outside one).

    Writes that send no model signals (bulk imports, queryset updates) call this themselves.
    """
    transaction.on_commit(_token_move)


def _zone_written(sender, **kwargs) -> None:
    airspace_changed()


def airspace_signals_connect() -> None:
    """Every ``Airspace`` save and delete (services, admin, shell) moves the version; ``DronesConfig.ready()``."""
    post_save.connect(_zone_written, sender=Airspace, dispatch_uid="airspace-version-save")
    post_delete.connect(_zone_written, sender=Airspace, dispatch_uid="airspace-version-delete")


def airspace_index_forget() -> None:
    """Drop this process's copy (tests and benchmarks: the next check builds it as a new process would)."""
    global _cached
    with _lock:
        _cached = None


def _build() -> AirspaceIndex:
    rows = Airspace.objects.filter(active=True).values_list(
        "id", "name", "kind", "geometry", "min_alt_m", "valid_from", "valid_until"
    )
    return AirspaceIndex(
        Zone(
            id=zone_id,
            name=name,
            kind=kind,
            geometry=geometry,
            min_alt_m=min_alt_m,
            valid_from=valid_from,
            valid_until=valid_until,
        )
        for zone_id, name, kind, geometry, min_alt_m, valid_from, valid_until in rows
    )


def airspace_index() -> AirspaceIndex:
    """Every zone in force at some time (``active``), with its validity window: this process's copy
    when it is of the current version, else built from the database now."""
    global _cached
    version = airspace_version()
    held = _cached
    if held is not None and held[0] == version:
        return held[1]
    with _lock:
        held = _cached
        if held is not None and held[0] == version:
            return held[1]
        index = _build()
        index.version = version
        _cached = (version, index)
        return index


def airspace_index_at(at: dt.datetime) -> AirspaceIndex:
    """The zones in force at ``at`` (aware) as the checks read them, crowd zones among them."""
    return airspace_index().in_force_at(at)
