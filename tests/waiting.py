"""Polling until a condition holds, in wall-clock seconds (like ArduPilot autotest's ``wait_*`` helpers).

One helper for the whole suite: ``wait_until`` in synchronous tests and threads, ``wait_until_async``
inside an event loop (it sleeps with ``asyncio.sleep``, so the loop keeps running the code under test).
Both return the condition's first truthy value and fail with ``what`` in the message. Waits counted in
simulated vehicle seconds live with the simulator helpers (``tests/simulators``, ``tests/drones/flying``).
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def _timed_out(timeout_s: float, what: str) -> AssertionError:
    return AssertionError(f"timed out after {timeout_s:g} s waiting for {what or 'the condition'}")


def wait_until(condition: Callable[[], T], timeout_s: float, what: str = "", *, period_s: float = 0.02) -> T:
    """Call ``condition`` every ``period_s`` until it returns something truthy; return that."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise _timed_out(timeout_s, what)
        time.sleep(period_s)


async def wait_until_async(
    condition: Callable[[], T | Awaitable[T]], timeout_s: float, what: str = "", *, period_s: float = 0.05
) -> T:
    """``wait_until`` for coroutines: the event loop runs between the calls of ``condition``.

    ``condition`` may be a coroutine function (a query through ``sync_to_async``); it is awaited.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise _timed_out(timeout_s, what)
        await asyncio.sleep(period_s)
