"""Simulated ArduCopters for tests outside tests/simulators: start, fault-inject, stop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from simulators.fleet import Fleet, FleetThread, fleet_options

SPEEDUP = 10.0


@contextmanager
def sim_fleet(count: int = 1, *, speedup: float = SPEEDUP, fast_boot: bool = True) -> Iterator[FleetThread]:
    """``count`` simulated vehicles on free ports; ``thread.fleet.connection_strings`` says where."""
    thread = FleetThread(Fleet(fleet_options(count, base_port=0, speedup=speedup, fast_boot=fast_boot))).start()
    try:
        yield thread
    finally:
        thread.stop()


async def wait_until(condition: Callable[[], object], timeout_s: float, what: str, period_s: float = 0.05):
    """Poll ``condition`` until it is truthy (like ArduPilot autotest's wait_* helpers); return its value."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        await asyncio.sleep(period_s)
