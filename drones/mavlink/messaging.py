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
import math
import re
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
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


_ENDED = re.compile(r"\b(cleared|resolved|recovered|ended)\b", re.IGNORECASE)
# Which failsafe a STATUSTEXT names (ArduCopter 4.7: "GCS Failsafe", "Battery Failsafe", "Radio Failsafe"...).
_FAILSAFE_NAMES = (
    ("gcs", "gcs"),
    ("battery", "battery"),
    ("radio", "radio"),
    ("throttle", "radio"),
    ("ekf", "ekf"),
    ("dead reckoning", "dead_reckoning"),
    ("terrain", "terrain"),
    ("vibration", "vibration"),
    ("crash", "crash"),
)
# How ArduCopter words each failsafe's own STATUSTEXT, for one named only by its "... Cleared".
_FAILSAFE_TITLES = {
    "gcs": "GCS Failsafe",
    "battery": "Battery Failsafe",
    "radio": "Radio Failsafe",
    "ekf": "EKF Failsafe",
}


def statustext_kind(text: str) -> tuple[str, str | None]:
    """(event kind, failsafe name) for a STATUSTEXT: ``("fence", None)`` for a breach, ``("failsafe",
    "gcs")`` for ``GCS Failsafe``, ``("statustext", None)`` otherwise, including every ``... cleared``
    / ``... Resolved`` text (the end of a failsafe or breach is not a new one) and every ``PreArm:`` /
    ``Arm:`` reason (``PreArm: Battery failsafe`` says why the vehicle will not arm)."""
    lowered = text.lower()
    if _ENDED.search(text) or lowered.startswith(("prearm:", "arm:")):  # an end, or why arming is refused
        return "statustext", None
    if "fence breach" in lowered:
        return "fence", None
    if "failsafe" in lowered or "fail-safe" in lowered:
        return "failsafe", next((name for word, name in _FAILSAFE_NAMES if word in lowered), "other")
    return "statustext", None


def failsafe_cleared(text: str) -> str | None:
    """The failsafe a ``... Failsafe Cleared`` STATUSTEXT ends (``"gcs"`` for ``GCS Failsafe Cleared``), else None."""
    lowered = text.lower()
    if not _ENDED.search(text) or not ("failsafe" in lowered or "fail-safe" in lowered):
        return None
    if lowered.startswith(("prearm:", "arm:")):
        return None
    return next((name for word, name in _FAILSAFE_NAMES if word in lowered), "other")


def statustext_event(text: str, severity: int) -> VehicleEvent:
    """The STATUSTEXT itself: kind ``fence`` for a fence breach (the one event a breach makes),
    ``statustext`` otherwise; a failsafe is counted by ``FailsafeNamer``'s own event instead."""
    kind, _failsafe = statustext_kind(text)
    return VehicleEvent(time.time(), "fence" if kind == "fence" else "statustext", text, severity)


def mode_event(old: str, new: str) -> VehicleEvent:
    return VehicleEvent(time.time(), "mode", f"Mode {old} → {new}", 6, {"from": old, "to": new})


def armed_event(armed: bool) -> VehicleEvent:
    return VehicleEvent(time.time(), "armed" if armed else "disarmed", "Armed" if armed else "Disarmed", 5)


class FailsafeNamer:
    """One ``failsafe`` event per failsafe, named by its STATUSTEXT, whichever comes first.

    Real ArduCopter sends the HEARTBEAT with ``system_status`` CRITICAL (and the failsafe's
    mode) first and the STATUSTEXT naming the failsafe (``GCS Failsafe``, ``Battery Failsafe``)
    a moment later (recordings 06 and 07); other vehicles send the text first. Either way
    the event goes out once both are in (named, with the mode the failsafe switched to), or
    ``window_s`` after the first of them: "vehicle state CRITICAL" when no text came, the
    text alone when the state did not go CRITICAL (a second failsafe while one is active).
    The same failsafe's text again while the vehicle stays CRITICAL (ArduCopter repeats
    ``Battery Failsafe`` when the low-battery RTL becomes the critical-battery LAND), or within
    ``window_s`` of its event, is not a new failsafe, and ``... Cleared`` texts never are. Runs on
    the link's asyncio loop.

    A ``... Failsafe Cleared`` text does name a CRITICAL state still waiting for its text: it proves
    which failsafe that was. That is how a GCS failsafe during a link loss shows: its ``GCS
    Failsafe`` was sent while the link was down, and the first heartbeat after it is CRITICAL, then
    ``GCS Failsafe Cleared`` follows once the vehicle hears the ground station again.
    """

    def __init__(self, emit: Callable[[VehicleEvent], None], mode: Callable[[], str], window_s: float = 2.0) -> None:
        self._emit = emit
        self._mode = mode
        self.window_s = window_s
        self._critical = False  # the last state reported
        self._pending_critical = False  # CRITICAL came, its text not yet
        self._pending_text: tuple[str, str, str] | None = None  # (text, failsafe, mode then): text came first
        self._timer: asyncio.TimerHandle | None = None
        self._named_at = -math.inf
        self._named = ""
        self._episode: set[str] = set()  # failsafes named since the state last went CRITICAL

    def on_text(self, text: str) -> None:
        """A STATUSTEXT arrived (after it was emitted as a ``statustext``/``fence`` event)."""
        kind, failsafe = statustext_kind(text)
        if kind != "failsafe" or failsafe is None:
            cleared = failsafe_cleared(text)
            if cleared is not None and self._pending_critical and self._pending_text is None:
                self._name(
                    f"{_FAILSAFE_TITLES.get(cleared, cleared)} (its own text was not received; named by “{text}”)",
                    cleared,
                    self._mode(),
                    named_by=text,
                )
            return
        if failsafe in self._episode or (failsafe == self._named and time.monotonic() - self._named_at < self.window_s):
            return  # the same failsafe said again
        if self._pending_critical:
            self._name(text, failsafe, self._mode())
            return
        if self._pending_text is not None:
            self._name(*self._pending_text)
        self._pending_text = (text, failsafe, self._mode())
        self._start_timer()

    def on_state(self, critical: bool, mode: str) -> None:
        """A HEARTBEAT: whether ``system_status`` is CRITICAL and the mode it reports."""
        became_critical = critical and not self._critical
        if self._critical and not critical:
            self._episode.clear()  # the failsafes are over: the next one is new
        self._critical = critical
        if self._pending_text is not None and (became_critical or mode != self._pending_text[2]):
            text, failsafe, _before = self._pending_text
            self._name(text, failsafe, mode)
            return
        if became_critical and time.monotonic() - self._named_at >= self.window_s:
            self._pending_critical = True
            self._start_timer()

    def close(self) -> None:
        self._cancel_timer()

    def _name(self, text: str, failsafe: str, mode: str, named_by: str = "") -> None:
        self._cancel_timer()
        self._pending_critical, self._pending_text = False, None
        self._named, self._named_at = failsafe, time.monotonic()
        self._episode.add(failsafe)
        data = {"mode": mode, "failsafe": failsafe, **({"named_by": named_by} if named_by else {})}
        self._emit(VehicleEvent(time.time(), "failsafe", f"Failsafe: {text}", 2, data))

    def _expired(self) -> None:
        self._timer = None
        if self._pending_text is not None:
            self._name(self._pending_text[0], self._pending_text[1], self._mode())
        elif self._pending_critical:
            self._pending_critical = False
            self._named, self._named_at = "unknown", time.monotonic()
            self._emit(
                VehicleEvent(
                    time.time(),
                    "failsafe",
                    "Failsafe: vehicle state CRITICAL",
                    2,
                    {"mode": self._mode(), "failsafe": "unknown"},
                )
            )

    def _start_timer(self) -> None:
        self._cancel_timer()
        self._timer = asyncio.get_running_loop().call_later(self.window_s, self._expired)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


def link_lost_event(text: str) -> VehicleEvent:
    return VehicleEvent(time.time(), "link_lost", text, 2)


def link_restored_event(lost_for_s: float) -> VehicleEvent:
    return VehicleEvent(time.time(), "link_restored", f"Link restored after {lost_for_s:.1f} s", 5)


def other_gcs_event(system_id: int, component_id: int) -> VehicleEvent:
    """A HEARTBEAT from a ground station other than this one (MAV_TYPE_GCS) on the vehicle's link."""
    return VehicleEvent(
        time.time(),
        "other_gcs",
        f"Another ground station (system {system_id}, component {component_id}) is also connected to the vehicle",
        4,
        {"system_id": system_id, "component_id": component_id},
    )


def reached_event(seq: int) -> VehicleEvent:
    """MISSION_ITEM_REACHED: ArduCopter sends one per NAV item (the final RTL only at landing)."""
    return VehicleEvent(time.time(), "reached", f"Reached mission item {seq}", 6, {"seq": seq})
