"""Transport-agnostic pieces of a vehicle link, shared by both backends.

``MessageLink`` is what the MAVLink exchanges (``drones.mavlink.commands``,
``drones.mavlink.mission``) need from a link: send a message, register a wait for a
reply before sending, read back recent STATUSTEXTs. ``MavlinkLink`` (pymavlink on
asyncio) and ``drones.dronekit_link.DronekitLink`` (dronekit's threads bridged into
asyncio) both provide it, so both run one implementation of each protocol.

Everything here runs on one asyncio loop; a link delivers received messages to
``MessageWaiters.resolve`` from that loop.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from drones.mavlink.telemetry import TelemetryState
from drones.vehicle import VehicleEvent

T = TypeVar("T")
QUEUE_SIZE = 256


class MessageLink(Protocol):
    """The link operations the command, parameter and mission exchanges use."""

    connection: str
    target_system: int
    target_component: int
    state: TelemetryState
    close_reason: str

    @property
    def mav(self) -> Any:
        """A pymavlink ``MAVLink`` object, used only for its ``*_encode`` methods."""

    @property
    def closed(self) -> bool: ...

    def send(self, msg: Any) -> None:
        """Send one message; ``LinkLost`` if the link is closed."""

    def expect(self, types: str | tuple[str, ...], predicate: Callable[[Any], bool] | None = None) -> Waiter:
        """Register a wait for the next matching message (before sending the request it answers)."""

    async def wait_expected(self, waiter: Waiter, *, timeout_s: float) -> Any:
        """The awaited message; ``TimeoutError`` on silence, ``LinkLost`` when the link goes."""

    async def wait_for(
        self, types: str | tuple[str, ...], predicate: Callable[[Any], bool] | None = None, *, timeout_s: float
    ) -> Any: ...

    def texts_since(self, since_monotonic: float, max_severity: int = 4) -> list[str]: ...


@dataclass(eq=False)
class Waiter:
    types: frozenset[str]
    predicate: Callable[[Any], bool] | None
    future: asyncio.Future = field(repr=False)


class MessageWaiters:
    """Futures waiting for the next message of some types that matches a predicate."""

    def __init__(self) -> None:
        self._by_type: dict[str, list[Waiter]] = {}

    def expect(self, types: str | tuple[str, ...], predicate: Callable[[Any], bool] | None = None) -> Waiter:
        names = frozenset((types,) if isinstance(types, str) else types)
        waiter = Waiter(names, predicate, asyncio.get_running_loop().create_future())
        for name in names:
            self._by_type.setdefault(name, []).append(waiter)
        return waiter

    async def wait(self, waiter: Waiter, *, timeout_s: float) -> Any:
        try:
            return await asyncio.wait_for(asyncio.shield(waiter.future), timeout_s)
        finally:
            self._forget(waiter)

    def resolve(self, kind: str, msg: Any) -> None:
        """Hand ``msg`` (of type ``kind``) to every waiter it matches."""
        waiters = self._by_type.get(kind)
        if not waiters:
            return
        for waiter in list(waiters):
            if waiter.future.done():
                continue
            try:
                matched = waiter.predicate is None or waiter.predicate(msg)
            except Exception as exc:  # noqa: BLE001 - a broken predicate fails its own wait only
                waiter.future.set_exception(exc)
                continue
            if matched:
                waiter.future.set_result(msg)

    def fail_all(self, exc: Exception) -> None:
        for bucket in self._by_type.values():
            for waiter in bucket:
                if not waiter.future.done():
                    waiter.future.set_exception(exc)
                    waiter.future.exception()  # mark retrieved: nobody may be awaiting it any more

    def _forget(self, waiter: Waiter) -> None:
        if not waiter.future.done():
            waiter.future.cancel()
        for name in waiter.types:
            bucket = self._by_type.get(name)
            if bucket and waiter in bucket:
                bucket.remove(waiter)


class Broadcast(Generic[T]):
    """Fan-out to any number of subscribers, each with a bounded queue; ``end()`` finishes every stream."""

    def __init__(self, queue_size: int = QUEUE_SIZE) -> None:
        self._queues: list[asyncio.Queue] = []
        self._queue_size = queue_size

    @property
    def active(self) -> bool:
        return bool(self._queues)

    def publish(self, item: T) -> None:
        for queue in self._queues:
            self._put(queue, item)

    def end(self) -> None:
        for queue in self._queues:
            self._put(queue, None)

    async def subscribe(self) -> AsyncIterator[T]:
        queue: asyncio.Queue = asyncio.Queue(maxsize=self._queue_size)
        self._queues.append(queue)
        try:
            while True:
                item = await queue.get()
                if item is None:
                    return
                yield item
        finally:
            self._queues.remove(queue)

    @staticmethod
    def _put(queue: asyncio.Queue, item: Any) -> None:
        if queue.full():  # a slow subscriber loses the oldest item, never blocks the link
            queue.get_nowait()
        queue.put_nowait(item)


class StatusTexts:
    """The recent STATUSTEXTs, for the reasons that come next to a refusal (``Arm: ...``)."""

    def __init__(self, keep: int = 64) -> None:
        self._texts: deque[tuple[float, int, str]] = deque(maxlen=keep)  # (monotonic, severity, text)

    def __iter__(self):
        return iter(self._texts)

    def add(self, severity: int, text: str) -> None:
        self._texts.append((time.monotonic(), severity, text))

    def since(self, since_monotonic: float, max_severity: int = 4) -> list[str]:
        """Texts at or above a severity (lower number = more severe) since a moment."""
        return [text for t, severity, text in self._texts if t >= since_monotonic and severity <= max_severity]

    def recent(self, within_s: float) -> list[str]:
        now = time.monotonic()
        return [text for t, _severity, text in self._texts if now - t < within_s]


def statustext_text(raw: Any) -> str:
    return raw.rstrip("\x00").strip() if isinstance(raw, str) else str(raw)


# --- the events both backends emit, worded the same -------------------------------------------


def statustext_event(text: str, severity: int) -> VehicleEvent:
    lowered = text.lower()
    kind = "fence" if "fence breach" in lowered else "failsafe" if "failsafe" in lowered else "statustext"
    return VehicleEvent(time.time(), kind, text, severity)


def mode_event(old: str, new: str) -> VehicleEvent:
    return VehicleEvent(time.time(), "mode", f"Mode {old} → {new}", 6, {"from": old, "to": new})


def armed_event(armed: bool) -> VehicleEvent:
    return VehicleEvent(time.time(), "armed" if armed else "disarmed", "Armed" if armed else "Disarmed", 5)


def failsafe_event(recent_texts: Iterable[str], mode: str) -> VehicleEvent:
    """HEARTBEAT.system_status went CRITICAL: name the failsafe from the texts that came with it."""
    reason = next((t for t in reversed(list(recent_texts)) if "ailsafe" in t or "breach" in t), "")
    return VehicleEvent(time.time(), "failsafe", f"Failsafe: {reason or 'vehicle state CRITICAL'}", 2, {"mode": mode})


def link_lost_event(text: str) -> VehicleEvent:
    return VehicleEvent(time.time(), "link_lost", text, 2)


def link_restored_event(lost_for_s: float) -> VehicleEvent:
    return VehicleEvent(time.time(), "link_restored", f"Link restored after {lost_for_s:.1f} s", 5)


def reached_event(seq: int) -> VehicleEvent:
    """MISSION_ITEM_REACHED: ArduCopter sends one per NAV item (the final RTL only at landing)."""
    return VehicleEvent(time.time(), "reached", f"Reached mission item {seq}", 6, {"seq": seq})
