"""The vehicle's TCP endpoint, like SITL's SERIAL0 (127.0.0.1:5760 + 10 * instance).

One GCS at a time: a new connection replaces the previous one (SITL would leave it waiting
in the backlog; replacing makes a reconnect after a half-open socket work). The vehicle keeps
its state across reconnects, including stream rates, as SITL does. Incoming bytes go through
a forgiving parser: garbage and truncated frames are dropped.

Fault injection: ``drop(duration_s)`` stops sending and reading for that long (vehicle
seconds); with ``close_socket`` the connection is closed and new ones are refused meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from typing import TYPE_CHECKING

from simulators.arducopter.wire import Parser

if TYPE_CHECKING:
    from simulators.arducopter.vehicle import Vehicle

logger = logging.getLogger(__name__)

# A GCS that stops reading must not make the simulator grow without bound: beyond this much
# unsent data, frames are dropped (as a radio link would).
MAX_WRITE_BUFFER_BYTES = 2 * 1024 * 1024


class _Connection(asyncio.Protocol):
    def __init__(self, server: VehicleServer) -> None:
        self.server = server
        self.transport: asyncio.Transport | None = None
        self.parser = Parser()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # replies are small and must not wait for Nagle (SITL sets TCP_NODELAY too)
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server._on_connect(self)

    def data_received(self, data: bytes) -> None:
        self.server._on_data(self, data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.server._on_disconnect(self)


class VehicleServer:
    def __init__(self, vehicle: Vehicle, host: str, port: int) -> None:
        self.vehicle = vehicle
        self.host = host
        self.requested_port = port
        self._server: asyncio.AbstractServer | None = None
        self._conn: _Connection | None = None
        self._drop_until_s: float | None = None
        self._drop_closes = False
        self.bytes_sent = 0
        self.frames_dropped = 0
        vehicle.link = self

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _Connection(self), self.host, self.requested_port)

    @property
    def port(self) -> int:
        if self._server is None or not self._server.sockets:
            return self.requested_port
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def connection_string(self) -> str:
        return f"tcp:{self.host}:{self.port}"

    @property
    def connected(self) -> bool:
        return self._conn is not None

    async def close(self) -> None:
        if self._conn is not None and self._conn.transport is not None:
            self._conn.transport.close()
        self._conn = None
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    # --- link events -------------------------------------------------------------------------

    def _dropping(self) -> bool:
        if self._drop_until_s is None:
            return False
        if self.vehicle.clock.now_s() >= self._drop_until_s:
            self._drop_until_s = None
            self._drop_closes = False
            return False
        return True

    def _on_connect(self, conn: _Connection) -> None:
        if self._dropping() and self._drop_closes:
            if conn.transport is not None:
                conn.transport.close()
            return
        old = self._conn
        self._conn = conn
        if old is not None and old.transport is not None:
            old.transport.close()
        self.vehicle.on_client_connected()

    def _on_disconnect(self, conn: _Connection) -> None:
        if self._conn is conn:
            self._conn = None

    def _on_data(self, conn: _Connection, data: bytes) -> None:
        if conn is not self._conn or self._dropping():
            return
        messages = conn.parser.feed(data)
        if messages:
            try:
                self.vehicle.on_messages(messages)
            except Exception:  # noqa: BLE001 - one bad message must not take the vehicle down
                logger.exception("vehicle %s failed handling %s", self.vehicle.sysid, [m.get_type() for m in messages])

    def write(self, data: bytes) -> None:
        conn = self._conn
        if conn is None or conn.transport is None or self._dropping():
            return
        transport = conn.transport
        if transport.is_closing():
            return
        if transport.get_write_buffer_size() > MAX_WRITE_BUFFER_BYTES:
            self.frames_dropped += 1
            return
        transport.write(data)
        self.bytes_sent += len(data)

    # --- fault injection ---------------------------------------------------------------------

    def drop(self, duration_s: float, *, close_socket: bool = False) -> None:
        """Stop sending and reading for ``duration_s`` vehicle seconds."""
        self._drop_until_s = self.vehicle.clock.now_s() + duration_s
        self._drop_closes = close_socket
        if close_socket and self._conn is not None and self._conn.transport is not None:
            self._conn.transport.close()
            self._conn = None
