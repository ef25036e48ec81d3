"""How old a vehicle's latest position is, in this machine's UNIX time, including time spent in queues.

The time the bridge reads a position is not when the vehicle sent it: a bridge that falls behind
reads seconds-old messages from its sockets' buffers, and stamping them "now" would show them as
live. The vehicle's own clock (``time_boot_ms`` of GLOBAL_POSITION_INT) says when it sent each
one; its offset to this machine's clock is learnt as the smallest seen (the fastest a message ever
came: the link's base delay). A position then was sent at ``vehicle time + that offset``, and its
age counts every queue on the way, not only the hub's.

The smallest offset may rise by ``DRIFT_S_PER_S`` (0.2 ms a second: 200 ppm, four times a vehicle
crystal's drift), so the clocks' drift never reads as delay. It was 1 ms a second until the
400-drone benchmark showed what that costs: on a saturated machine the offset crept up with the
backlog by tens of milliseconds a minute, and positions just over a second old were dated younger
and passed as live. A backlog that lasts many minutes is still slowly taken as the link's new
normal, which the published positions' own times still show. A vehicle clock going
backwards (a reboot) starts over.
"""

from __future__ import annotations

from django.conf import settings

DRIFT_S_PER_S = 0.0002


def delayed_after_s() -> float:
    """Seconds of seen age after which a live update is called delayed, by the server and the pages.

    The age this side can see misses the fastest delay of the path (the vehicle's link, and for the
    pages the way to the browser): it is learnt as zero. So an update is called delayed
    ``DRONE_LIVE_UNSEEN_DELAY_S`` before ``DRONE_LIVE_DELAYED_S``, and one that is really older
    than that is not shown as live as long as the fastest path is faster than the margin.
    """
    return max(0.0, settings.DRONE_LIVE_DELAYED_S - settings.DRONE_LIVE_UNSEEN_DELAY_S)


class PositionClock:
    """One vehicle's position times, as UNIX times of this machine."""

    __slots__ = ("_offset_s", "_offset_at", "_vehicle_ms")

    def __init__(self) -> None:
        self._offset_s: float | None = None  # received minus vehicle time, the smallest seen (drifting)
        self._offset_at = 0.0
        self._vehicle_ms: int | None = None

    def sent_at(self, vehicle_time_ms: int | None, received_at: float) -> float:
        """When the position of ``vehicle_time_ms`` was sent; ``received_at`` (UNIX s) when it was read.

        Without a vehicle time (no position yet), ``received_at``.
        """
        if vehicle_time_ms is None:
            return received_at
        offset = received_at - vehicle_time_ms / 1000.0
        if self._offset_s is None or self._vehicle_ms is None or vehicle_time_ms < self._vehicle_ms:
            self._offset_s = offset  # first position, or the vehicle rebooted
        else:
            self._offset_s = min(offset, self._offset_s + DRIFT_S_PER_S * max(0.0, received_at - self._offset_at))
        self._offset_at = received_at
        self._vehicle_ms = vehicle_time_ms
        return vehicle_time_ms / 1000.0 + self._offset_s
