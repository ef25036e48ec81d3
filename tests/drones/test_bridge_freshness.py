"""How old a position is: dated when it left the vehicle, so the bridge's own backlog counts."""

from __future__ import annotations

import pytest

from drones.bridge.freshness import PositionClock


def test_a_position_read_late_from_a_backlog_is_dated_when_the_vehicle_sent_it():
    clock = PositionClock()
    # The link's base delay is learnt from the fastest message: 50 ms.
    assert clock.sent_at(10_000, 1000.05) == pytest.approx(1000.05)
    assert clock.sent_at(10_250, 1000.32) == pytest.approx(1000.30)  # 70 ms this time: 20 ms in a queue
    # The bridge fell behind: a position sent 250 ms later is read 3 s later; it is dated when it left.
    assert clock.sent_at(10_500, 1003.3) == pytest.approx(1000.55, abs=0.01)
    assert clock.sent_at(None, 1003.4) == 1003.4  # no position yet: when it was read
    # A reboot restarts the vehicle's clock: learnt again, not taken for a 10 s delay.
    assert clock.sent_at(200, 1004.0) == pytest.approx(1004.0)


def test_clock_drift_is_not_taken_for_delay():
    clock = PositionClock()
    received = 1000.0
    for second in range(3600):  # an hour with a vehicle clock 50 ppm slow
        received = 1000.0 + second + 0.05
        sent = clock.sent_at(second * 1000 - int(second * 0.05), received)
    assert received - sent < 0.1
