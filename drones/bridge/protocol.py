"""What flows over the channel layer between telemetry bridges and web processes.

Live telemetry does not: each bridge tick reaches each web process's live hub once
(``drones.bridge.fanout``: in process when embedded, one Redis PUBLISH otherwise), which writes it to
that process's sockets. The channel layer carries the rest:

Groups:
- ``drones.fleet``: every ``drone.event`` and alert; fleet and one-drone viewers are members.
- ``drone.<id>``: one drone's viewers (``DroneConsumer``): anything may send ``telemetry.update``
  or ``drone.event`` to them here.
- ``drone.<id>.commands``: the bridge that owns the drone listens here for ``drone.command``.

Every telemetry update carries the drone's ``seq``, increasing by one per update; clients that
see a gap ask for a snapshot (``drones.live``) instead of trusting a stale picture.
``fleet_update_message`` is the ``fleet`` frame of a list of full updates, encoded once (strict JSON).

Commands are request/reply: the web side sends ``drone.command`` with a fresh
reply channel and waits; the bridge answers ``drone.command.result``. No
answer means no bridge owns the drone (or it is down): that is reported, not
hidden.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import uuid
from typing import Any

from channels.layers import get_channel_layer

log = logging.getLogger(__name__)

FLEET_GROUP = "drones.fleet"


def drone_group(drone_id: int) -> str:
    return f"drone.{drone_id}"


def command_group(drone_id: int) -> str:
    return f"drone.{drone_id}.commands"


class SharedUpdates(tuple):
    """The updates of one ``fleet.update``, shared by every receiver in the process, never copied.

    The in-memory channel layer deep-copies each message for each receiver: for a 200-drone fleet
    and 100 viewers that was 2,000 copies a second of ~45 states each, more CPU than all the rest
    of the bridge. Nobody changes a state once it is published (consumers forward ``text``), so
    the copy only costs. Over Redis it travels as a plain list.
    """

    __slots__ = ()

    def __deepcopy__(self, memo: dict) -> SharedUpdates:
        return self


def json_text(payload: dict[str, Any]) -> str:
    """Strict JSON (``allow_nan=False``): a browser's ``JSON.parse`` refuses NaN and Infinity.

    Vehicle values are checked where they enter the state (``drones.mavlink.telemetry``), so a
    non-finite number here is a bug elsewhere, e.g. in an event's data. It must not cost every
    viewer the message: it is replaced by null in ``payload`` itself (so what is cached and
    forwarded as objects agrees with the text), logged, and the message goes out.
    """
    try:
        return json.dumps(payload, allow_nan=False)
    except ValueError:
        replaced = nonfinite_to_none(payload)
        log.error("replaced %d non-finite number(s) by null in a %s message", replaced, payload.get("type"))
        return json.dumps(payload, allow_nan=False)


def nonfinite_to_none(value: Any) -> int:
    """Replace, in place, every NaN or infinite float in the dicts and lists of ``value`` by None; how many.

    A tuple inside is replaced by a list (JSON makes one of it anyway) so that it can be changed too.
    """
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    else:
        return 0
    replaced = 0
    for key, item in items:
        if isinstance(item, float) and not math.isfinite(item):
            value[key] = None
            replaced += 1
        elif isinstance(item, SharedUpdates):  # shared on purpose: its dicts are changed, it stays
            replaced += sum(nonfinite_to_none(update) for update in item)
        elif isinstance(item, tuple):
            value[key] = item = list(item)
            replaced += nonfinite_to_none(item)
        else:
            replaced += nonfinite_to_none(item)
    return replaced


def fleet_update_message(updates: list[dict[str, Any]]) -> dict[str, Any]:
    """``updates``: [{"drone", "seq", "state"}], read-only once sent. The browser's JSON is encoded once, here."""
    return {
        "type": "fleet.update",
        "updates": SharedUpdates(updates),
        "text": json_text({"type": "fleet", "updates": updates}),
    }


def telemetry_update_message(update: dict[str, Any]) -> dict[str, Any]:
    payload = {"type": "telemetry", **update}
    text = json_text(payload)
    return {**{k: v for k, v in payload.items() if k != "type"}, "type": "telemetry.update", "text": text}


def event_message(drone_id: int, event: dict[str, Any]) -> dict[str, Any]:
    """``event``: {"t", "kind", "text", "severity", "data"}."""
    payload = {"type": "event", "drone": drone_id, "event": event}
    text = json_text(payload)
    return {"type": "drone.event", "drone": drone_id, "event": event, "text": text}


class BridgeUnavailable(Exception):
    """No telemetry bridge answered for this drone."""


async def call_bridge(drone_id: int, command: str, args: dict[str, Any], *, timeout_s: float) -> dict[str, Any]:
    """Send a command to the bridge owning ``drone_id`` and return its reply dict.

    Reply: ``{"ok": True, "telemetry": {...}}`` or ``{"ok": False, "error": {"code", "message", ...}}``.
    """
    layer = get_channel_layer()
    reply_to = await layer.new_channel()
    request_id = uuid.uuid4().hex
    await layer.group_send(
        command_group(drone_id),
        {
            "type": "drone.command",
            "request_id": request_id,
            "drone": drone_id,
            "command": command,
            "args": args,
            "reply_to": reply_to,
        },
    )
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise BridgeUnavailable(
                f"no telemetry bridge answered for drone {drone_id} within {timeout_s:g} s "
                "(is run_drone_bridge running, and does it own this drone?)"
            )
        try:
            message = await asyncio.wait_for(layer.receive(reply_to), remaining)
        except TimeoutError:
            continue
        if message.get("request_id") == request_id:
            return message
