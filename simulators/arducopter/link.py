"""The vehicle's TCP endpoint, like SITL's SERIAL0 (127.0.0.1:5760 + 10 * instance).

One GCS at a time, as SITL (AP_HAL_SITL UARTDriver: it accepts the next connection only once
the current one has closed): a second client's connect succeeds but it waits, unread and
unanswered, until the first leaves, and is then served. One addition: a client silent for
``STALE_CLIENT_WALL_S`` (a half-open socket, a crashed ground station) is replaced by a new one,
so a reconnect after a dead socket still works. The vehicle keeps its state across reconnects,
including stream rates, as SITL does. Incoming bytes go through
a forgiving parser: garbage and truncated frames are dropped.

Fault injection: ``drop(duration_s)`` stops sending and reading for that long (vehicle
seconds); with ``close_socket`` the connection is closed and new ones are refused meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from typing import TYPE_CHECKING

from simulators.arducopter.wire import Parser

if TYPE_CHECKING:
    from simulators.arducopter.vehicle import Vehicle

logger = logging.getLogger(__name__)

# A GCS that stops reading must not make the simulator grow without bound: beyond this much
# unsent data, frames are dropped (as a radio link would).
MAX_WRITE_BUFFER_BYTES = 2 * 1024 * 1024
# A served client that has sent nothing for this long (wall seconds; ground stations send a 1 Hz
# heartbeat) gives way to a new connection instead of making it wait.
STALE_CLIENT_WALL_S = 5.0


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
        self._waiting: list[_Connection] = []  # accepted, not served: SITL's listen backlog
        self._last_rx_wall_s = 0.0
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
        for conn in [self._conn, *self._waiting]:
            if conn is not None and conn.transport is not None:
                conn.transport.close()
        self._conn = None
        self._waiting = []
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
        if self._conn is not None and time.monotonic() - self._last_rx_wall_s < STALE_CLIENT_WALL_S:
            if conn.transport is not None:
                conn.transport.pause_reading()  # its bytes wait in the socket, as in SITL's backlog
            self._waiting.append(conn)
            asyncio.get_running_loop().call_later(STALE_CLIENT_WALL_S, self._serve_waiting_if_stale)
            return
        self._serve(conn)

    def _serve_waiting_if_stale(self) -> None:
        """A waiting client takes over from a served one that has gone silent since it arrived."""
        if not self._waiting or self._conn is None:
            return
        if time.monotonic() - self._last_rx_wall_s < STALE_CLIENT_WALL_S:
            asyncio.get_running_loop().call_later(STALE_CLIENT_WALL_S, self._serve_waiting_if_stale)
            return
        while self._waiting:
            waiting = self._waiting.pop(0)
            if waiting.transport is not None and not waiting.transport.is_closing():
                self._serve(waiting)
                return

    def _serve(self, conn: _Connection) -> None:
        old = self._conn
        self._conn = conn
        self._last_rx_wall_s = time.monotonic()
        if old is not None and old.transport is not None:
            old.transport.close()
        if conn.transport is not None:
            conn.transport.resume_reading()
        self.vehicle.on_client_connected()

    def _on_disconnect(self, conn: _Connection) -> None:
        if conn in self._waiting:
            self._waiting.remove(conn)
        if self._conn is conn:
            self._conn = None
            while self._waiting and self._conn is None:
                waiting = self._waiting.pop(0)
                if waiting.transport is None or waiting.transport.is_closing():
                    continue
                if self._dropping() and self._drop_closes:
                    waiting.transport.close()
                    continue
                self._serve(waiting)

    def _on_data(self, conn: _Connection, data: bytes) -> None:
        if conn is not self._conn or self._dropping():
            return
        self._last_rx_wall_s = time.monotonic()
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
        if close_socket:
            for conn in [self._conn, *self._waiting]:
                if conn is not None and conn.transport is not None:
                    conn.transport.close()
            self._conn = None
            self._waiting = []
