"""Choosing the vehicle link: ``open_vehicle(connection)`` returns a ``drones.vehicle.Vehicle``.

Two backends implement the same interface with the same errors:

* ``pymavlink`` (default): ``drones.mavlink.MavlinkVehicle``, asyncio and pymavlink with no
  threads; one event loop carries hundreds of vehicles. The telemetry bridge uses it.
* ``dronekit``: ``drones.dronekit_link.DronekitVehicle``, dronekit 2.9.2 with its two
  threads per vehicle, its attribute listeners and its parameter table.

The backend is the ``backend`` argument, else the ``DRONE_LINK_BACKEND`` setting, else
``pymavlink``. ``open_vehicle`` does not connect: call ``await vehicle.connect()``.
"""

from __future__ import annotations

from typing import Any

from drones.vehicle import Vehicle, VehicleError

BACKENDS = ("pymavlink", "dronekit")
DEFAULT_BACKEND = "pymavlink"


class UnknownBackend(VehicleError):
    code = "unknown_backend"


def configured_backend() -> str:
    """``settings.DRONE_LINK_BACKEND``, or the default when it is not set (or Django is not configured)."""
    from django.conf import settings

    try:
        return getattr(settings, "DRONE_LINK_BACKEND", DEFAULT_BACKEND) or DEFAULT_BACKEND
    except Exception:  # noqa: BLE001 - ImproperlyConfigured outside Django (scripts, the simulator)
        return DEFAULT_BACKEND


def open_vehicle(connection: str, *, system_id: int = 1, backend: str | None = None, **options: Any) -> Vehicle:
    """A vehicle on ``connection`` (``tcp:HOST:PORT``, ``udpin:HOST:PORT``, ``udpout:HOST:PORT``), not yet connected.

    ``options`` go to the backend's constructor (``heartbeat_timeout_s``,
    ``command_timeout_s``, ``stream_rate_hz``...; dronekit also takes
    ``download_params`` and ``params_timeout_s``). An unknown backend raises
    ``UnknownBackend`` naming the known ones.
    """
    name = (backend or configured_backend()).strip().lower()
    if name == "pymavlink":
        from drones.mavlink.vehicle import MavlinkVehicle

        return MavlinkVehicle(connection, system_id=system_id, **options)
    if name == "dronekit":
        from drones.dronekit_link import DronekitVehicle  # imports dronekit only when chosen

        return DronekitVehicle(connection, system_id=system_id, **options)
    raise UnknownBackend(
        f"unknown vehicle link backend {name!r} (from {'the backend argument' if backend else 'DRONE_LINK_BACKEND'});"
        f" choose one of: {', '.join(BACKENDS)}",
        backend=name,
    )
