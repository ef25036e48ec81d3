"""What flows over the channel layer between telemetry bridges and web processes.

Groups:
- ``drones.fleet``: one ``fleet.update`` per bridge tick with every drone that changed, and every
  ``drone.event``. The bridge publishes telemetry and events here only.
- ``drone.<id>``: one drone's viewers (``DroneConsumer``). They also join ``drones.fleet`` and take
  their drone's share of it, so the bridge does not send a ``telemetry.update`` per drone per
  update: for 200 drones that was 800 group sends a second (two Redis round trips each, the
  bridge's publish loop waiting on them) to groups that usually have nobody in them. Anything
  else may still send ``telemetry.update`` or ``drone.event`` to one drone's viewers here.
- ``drone.<id>.commands``: the bridge that owns the drone listens here for ``drone.command``.

Every telemetry message carries the drone's ``seq``, increasing by one per
update. The channel layer may drop messages silently when a channel is full,
so clients that see a gap ask for a snapshot (``drones.live``) instead of
trusting a stale picture.

Commands are request/reply: the web side sends ``drone.command`` with a fresh
reply channel and waits; the bridge answers ``drone.command.result``. No
answer means no bridge owns the drone (or it is down): that is reported, not
hidden.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from channels.layers import get_channel_layer

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


def fleet_update_message(updates: list[dict[str, Any]]) -> dict[str, Any]:
    """``updates``: [{"drone", "seq", "state"}], read-only once sent. The browser's JSON is encoded once, here."""
    return {
        "type": "fleet.update",
        "updates": SharedUpdates(updates),
        "text": json.dumps({"type": "fleet", "updates": updates}),
    }


def telemetry_update_message(update: dict[str, Any]) -> dict[str, Any]:
    return {"type": "telemetry.update", **update, "text": json.dumps({"type": "telemetry", **update})}


def event_message(drone_id: int, event: dict[str, Any]) -> dict[str, Any]:
    """``event``: {"t", "kind", "text", "severity", "data"}."""
    payload = {"drone": drone_id, "event": event}
    return {"type": "drone.event", **payload, "text": json.dumps({"type": "event", **payload})}


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
