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

import logging
from typing import TYPE_CHECKING, Any

from drones.vehicle import Vehicle, VehicleError

if TYPE_CHECKING:
    from drones.missions.speaker import SpeakerConfig

log = logging.getLogger(__name__)

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


class LinkRefused(VehicleError):
    """The connection string names a host or port the bureau does not allow (``drones.linkpolicy``)."""

    code = "link_refused"


def _link_problem(connection: str) -> str | None:
    """``drones.linkpolicy``'s verdict inside Django; None for scripts run without settings, and for a
    string that is not ``scheme:host:port`` at all (the transport reports that one as LinkLost)."""
    parts = connection.strip().split(":")
    if len(parts) != 3 or parts[0] not in ("tcp", "udpin", "udpout", "udp") or not parts[2].isdigit():
        return None
    try:
        from django.conf import settings

        settings.DRONE_LINK_NETWORKS  # noqa: B018 - raises ImproperlyConfigured outside Django
    except Exception:  # noqa: BLE001 - ImproperlyConfigured outside Django (scripts, the simulator)
        return None
    from drones.linkpolicy import connection_problem

    return connection_problem(connection)


def open_vehicle(
    connection: str,
    *,
    system_id: int = 1,
    backend: str | None = None,
    speaker: SpeakerConfig | None = None,
    **options: Any,
) -> Vehicle:
    """A vehicle on ``connection`` (``tcp:HOST:PORT``, ``udpin:HOST:PORT``, ``udpout:HOST:PORT``), not yet connected.

    ``options`` go to the backend's constructor (``heartbeat_timeout_s``,
    ``gcs_heartbeat_period_s``, ``command_timeout_s``, ``stream_rate_hz``...; dronekit also takes
    ``download_params`` and ``params_timeout_s``). An unknown backend raises
    ``UnknownBackend`` naming the known ones; a host or port the bureau does not allow
    (``drones.linkpolicy``) raises ``LinkRefused`` saying which setting. ``speaker`` says where the loudspeaker hangs
    (``watch_speaker``; RELAY1 when not given).
    """
    problem = _link_problem(connection)
    if problem:
        raise LinkRefused(problem)
    name = (backend or configured_backend()).strip().lower()
    vehicle: Vehicle
    if name == "pymavlink":
        from drones.mavlink.vehicle import MavlinkVehicle

        vehicle = MavlinkVehicle(connection, system_id=system_id, **options)
    elif name == "dronekit":
        from drones.dronekit_link import DronekitVehicle  # imports dronekit only when chosen

        vehicle = DronekitVehicle(connection, system_id=system_id, **options)
    else:
        source = "the backend argument" if backend else "DRONE_LINK_BACKEND"
        raise UnknownBackend(
            f"unknown vehicle link backend {name!r} (from {source}); choose one of: {', '.join(BACKENDS)}",
            backend=name,
        )
    if speaker is not None:
        watch_speaker(vehicle, speaker)
    return vehicle


def watch_speaker(vehicle: Vehicle, speaker: SpeakerConfig | None) -> None:
    """Make ``vehicle``'s telemetry report the loudspeaker (``relay_on``) from its output: RELAY_STATUS
    for a relay (None: RELAY1), SERVO_OUTPUT_RAW for a servo output. Either backend; a vehicle without
    a ``TelemetryState`` (a test double) is left as it is. Call it again when the drone is edited."""
    state = getattr(getattr(vehicle, "link", None), "state", None)
    if state is None or not hasattr(state, "watch_speaker"):
        return
    if speaker is None:
        state.watch_speaker()
        return
    try:
        if speaker.output == "servo":
            state.watch_speaker(servo=speaker.servo, on_pwm=speaker.on_pwm, off_pwm=speaker.off_pwm)
        else:
            state.watch_speaker(relay=speaker.relay)
    except ValueError as exc:  # e.g. a servo output above 16, which SERVO_OUTPUT_RAW port 0 does not carry
        log.warning("cannot follow the loudspeaker on %s: %s", speaker.describe(), exc)


def drone_speaker(drone: Any) -> SpeakerConfig | None:
    """``drone.speaker_config()``, or None (telemetry then reads RELAY1) for values written past
    validation, so one bad row cannot stop the bridge loading its fleet."""
    try:
        return drone.speaker_config()
    except ValueError as exc:
        log.warning("drone %s: unusable loudspeaker output (%s); reading RELAY1", drone.pk, exc)
        return None
