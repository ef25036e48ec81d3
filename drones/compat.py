"""The one place that imports dronekit 2.9.2, made to work on Python 3.11.

Nothing else in the project imports ``dronekit`` directly: ``drones.dronekit_link``
takes what it needs from here. Three things are adjusted, all before dronekit is imported:

* ``collections.MutableMapping`` and the other ABC aliases, removed in Python 3.10, are put
  back from ``collections.abc`` (dronekit's ``Parameters`` subclasses
  ``collections.MutableMapping``). Only missing names are added; nothing is replaced.
* pymavlink's ``mavutil`` starts on MAVLink 2 (``MAVLINK20``). ArduCopter 4.7 speaks MAVLink 2
  from its first frame; left on MAVLink 1, ``mavutil`` switches the process-wide dialect at
  the first MAVLink 2 byte anyway, and on that switch it replaces the connection's encoder,
  dropping dronekit's send queue and target-system fix-up (so later sends would go out from
  whichever thread called them). Starting on MAVLink 2 keeps dronekit's own writer, and it
  lets MISSION_ITEM_INT carry ``mission_type`` (a MAVLink 2 extension) for fences and rally
  points. Code that picks its dialect explicitly (``drones.mavlink``) is not affected.
* ``end_link_on_eof`` stops dronekit's reader when the vehicle closes the TCP connection.
  pymavlink's TCP link without auto-reconnect returns to the reader after every EOF, and
  dronekit's reader then spins on the dead socket, printing "EOF on TCP socket" each time.
"""

from __future__ import annotations

import collections
import collections.abc
import os
import threading
from collections.abc import Callable
from typing import Any

for _name in collections.abc.__all__:
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))

if "MAVLINK20" not in os.environ:
    os.environ["MAVLINK20"] = "1"
    from pymavlink import mavutil as _mavutil

    if _mavutil.mavlink.WIRE_PROTOCOL_VERSION != "2.0":  # mavutil was imported earlier, on MAVLink 1
        _mavutil.set_dialect(_mavutil.current_dialect)

import dronekit  # noqa: E402 - must follow the shims above
from dronekit import (  # noqa: E402
    APIException,
    LocationGlobal,
    LocationGlobalRelative,
    Vehicle,
    VehicleMode,
    connect,
)
from dronekit.mavlink import MAVConnection  # noqa: E402

__all__ = [
    "APIException",
    "LocationGlobal",
    "LocationGlobalRelative",
    "MAVConnection",
    "Vehicle",
    "VehicleMode",
    "connect",
    "dronekit",
    "end_link_on_eof",
]


def end_link_on_eof(handler: Any, on_close: Callable[[str], None]) -> None:
    """Make a closed TCP connection end ``handler`` (a ``MAVConnection``) and call ``on_close(reason)``.

    Called in dronekit's reader or writer thread (either can see the closed socket first),
    once. ``on_close`` runs before dronekit's threads are told to stop, so whoever watches
    those threads hears the reason first. Setting the connection's ``_alive`` flag to False
    is how dronekit itself ends its threads (see ``MAVConnection.close``).
    """
    master = handler.master
    if not hasattr(master, "handle_eof"):  # UDP and serial links have no EOF
        return
    once = threading.Lock()

    def closed(reason: str) -> None:
        if not once.acquire(blocking=False):
            return
        on_close(reason)
        handler._alive = False

    master.handle_eof = lambda: closed("connection closed by the vehicle")
    master.handle_disconnect = lambda: closed("connection reset by the vehicle")
