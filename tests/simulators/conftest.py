"""Fixtures for the simulator tests.

``copter`` flies the simulator (speed-up 20, free port, fast boot) and, when
``ARDUPILOT_SITL_BIN`` points at a real ArduCopter SITL binary, the same test again against it
(marked ``sitl``; otherwise that parameter skips with the reason). ``copter_faithful`` is the
same with the simulator's faithful boot timeline, for tests about boot timing.
``sim_copter`` is the simulator alone, for its Python fault-injection API.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from simulators.arducopter.vehicle import Vehicle
from simulators.fleet import Fleet, FleetThread, fleet_options
from simulators.sitl import launch_sitl, sitl_binary
from tests.simulators.gcs import Gcs

# 10x, not 20x: the suite's two workers keep the cores about three-quarters busy, and these tests time
# things in vehicle seconds read off the wall clock, which a starved worker stretches by the speed-up
# (at 20x, one 0.1 s stall is 2 vehicle s: a 10 s loiter read 12.5 s, a take-off-and-land 20 s for 13).
SPEEDUP = 10.0
SITL_SPEEDUP = 5.0
SIM_PROTOCOL_SPEEDUP = 10.0
NO_SITL_REASON = "ARDUPILOT_SITL_BIN is not set (path to a built ArduCopter SITL binary)"


@dataclass
class CopterUnderTest:
    """A vehicle to fly: the simulator (with its Python fault API) or real SITL."""

    kind: str
    connection_string: str
    speedup: float
    fleet_thread: FleetThread | None = None
    _gcs: list[Gcs] = field(default_factory=list)

    @property
    def is_sim(self) -> bool:
        return self.kind == "sim"

    @property
    def vehicle(self) -> Vehicle:
        assert self.fleet_thread is not None, "only the simulator exposes its vehicle"
        return self.fleet_thread.fleet.vehicles[0]

    def call(self, fn: Callable[[Vehicle], Any]) -> Any:
        """Run ``fn(vehicle)`` on the simulator's event loop (thread-safe)."""
        assert self.fleet_thread is not None
        return self.fleet_thread.call(lambda: fn(self.vehicle))

    def gcs(self, **kw: Any) -> Gcs:
        gcs = Gcs(self.connection_string, speedup=self.speedup, **kw)
        self._gcs.append(gcs)
        return gcs

    def close(self) -> None:
        for gcs in self._gcs:
            gcs.close()


def start_sim(*, speedup: float = SPEEDUP, fast_boot: bool = True, count: int = 1, **kw: Any) -> FleetThread:
    fleet = Fleet(fleet_options(count, base_port=0, speedup=speedup, fast_boot=fast_boot, **kw))
    return FleetThread(fleet).start()


@pytest.fixture
def sim_factory() -> Iterator[Callable[..., CopterUnderTest]]:
    created: list[CopterUnderTest] = []

    def make(**kw: Any) -> CopterUnderTest:
        thread = start_sim(**kw)
        copter = CopterUnderTest(
            "sim", thread.fleet.connection_strings[0], thread.fleet.vehicles[0].clock.speedup, thread
        )
        created.append(copter)
        return copter

    yield make
    for copter in created:
        copter.close()
        assert copter.fleet_thread is not None
        copter.fleet_thread.stop()


def _sitl_copter() -> Iterator[CopterUnderTest]:
    if sitl_binary() is None:
        pytest.skip(NO_SITL_REASON)
    speedup = float(os.environ.get("ARDUPILOT_SITL_SPEEDUP", SITL_SPEEDUP))
    process = launch_sitl(speedup=speedup)
    copter = CopterUnderTest("sitl", process.connection_string, speedup)
    try:
        yield copter
    finally:
        copter.close()
        process.stop()


@pytest.fixture(params=["sim", pytest.param("sitl", marks=pytest.mark.sitl)])
def copter(request: pytest.FixtureRequest, sim_factory: Callable[..., CopterUnderTest]) -> Iterator[CopterUnderTest]:
    """The simulator (fast boot, speed-up 20) and, with ARDUPILOT_SITL_BIN, real SITL."""
    if request.param == "sim":
        yield sim_factory()
    else:
        yield from _sitl_copter()


@pytest.fixture(params=["sim", pytest.param("sitl", marks=pytest.mark.sitl)])
def copter_faithful(
    request: pytest.FixtureRequest, sim_factory: Callable[..., CopterUnderTest]
) -> Iterator[CopterUnderTest]:
    """The simulator with the faithful boot timeline and, with ARDUPILOT_SITL_BIN, real SITL."""
    if request.param == "sim":
        yield sim_factory(fast_boot=False, speedup=SIM_PROTOCOL_SPEEDUP)
    else:
        yield from _sitl_copter()


@pytest.fixture
def sim_copter(sim_factory: Callable[..., CopterUnderTest]) -> CopterUnderTest:
    """The simulator only: for tests of its Python fault API or of simulator-only choices."""
    return sim_factory()
