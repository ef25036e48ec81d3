"""Simulated ArduCopters for tests outside tests/simulators: start, fault-inject, stop."""

from __future__ import annotations

from collections.abc import Iterator
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
