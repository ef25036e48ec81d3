"""Live drone state shared between the telemetry bridge and the web processes.

The bridge writes each drone's latest telemetry (with its sequence number) to
the cache at the UI rate; pages, the API and websocket resyncs read it. With
``REDIS_URL`` the cache is Redis, so any web process sees any bridge's drones;
embedded, it is the process's memory, where the bridge also runs.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache

# A snapshot older than this is shown as stale (the bridge is not running or lost the drone).
SNAPSHOT_TTL_S = 60


def _key(drone_id: int) -> str:
    return f"drone:{drone_id}:live"


def live_state_put(drone_id: int, state: dict[str, Any]) -> None:
    cache.set(_key(drone_id), state, timeout=SNAPSHOT_TTL_S)


async def alive_state_put(drone_id: int, state: dict[str, Any]) -> None:
    await cache.aset(_key(drone_id), state, timeout=SNAPSHOT_TTL_S)


def live_states(drone_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The latest known state of each drone that has one (missing: never seen or stale)."""
    found = cache.get_many([_key(i) for i in drone_ids])
    return {i: found[_key(i)] for i in drone_ids if _key(i) in found}


async def alive_states(drone_ids: list[int]) -> dict[int, dict[str, Any]]:
    found = await cache.aget_many([_key(i) for i in drone_ids])
    return {i: found[_key(i)] for i in drone_ids if _key(i) in found}


def live_states_put_many(states: dict[int, dict[str, Any]]) -> None:
    """Write many drones' states in one round trip (the bridge does this every tick)."""
    cache.set_many({_key(i): state for i, state in states.items()}, timeout=SNAPSHOT_TTL_S)


async def alive_states_put_many(states: dict[int, dict[str, Any]]) -> None:
    """``live_states_put_many`` from the event loop, as cheaply as the cache allows.

    The process-memory cache (embedded) is written inline: a dict update is cheaper than the
    trip to a worker thread, which also has to win the GIL from the busy loop, ~20 times a
    second. Any other cache (Redis) is network I/O: a worker thread, but not the thread-sensitive
    one, which also runs the track writes and every consumer's database calls.
    """
    if isinstance(caches["default"], LocMemCache):
        live_states_put_many(states)
    else:
        await sync_to_async(live_states_put_many, thread_sensitive=False)(states)
