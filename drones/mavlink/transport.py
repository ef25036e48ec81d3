"""Byte transports for a MAVLink link, on asyncio: TCP client, UDP listen (udpin), UDP send (udpout).

Connection strings follow pymavlink's spelling: ``tcp:HOST:PORT`` (SITL's
SERIAL0, the project simulator), ``udpin:HOST:PORT`` (listen; the vehicle or a
router sends to us), ``udpout:HOST:PORT`` (we send first; replies come back).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass

from drones.vehicle import LinkLost


@dataclass(frozen=True)
class Endpoint:
    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.scheme}:{self.host}:{self.port}"


def parse_connection(text: str) -> Endpoint:
    parts = text.strip().split(":")
    if len(parts) != 3 or parts[0] not in ("tcp", "udpin", "udpout", "udp") or not parts[2].isdigit():
        raise LinkLost(f"connection string {text!r} is not tcp:HOST:PORT, udpin:HOST:PORT or udpout:HOST:PORT")
    scheme = "udpin" if parts[0] == "udp" else parts[0]
    return Endpoint(scheme, parts[1] or "0.0.0.0", int(parts[2]))


def _reason(exc: OSError) -> str:
    """``Connection refused`` rather than asyncio's ``Connect call failed ('127.0.0.1', 5760)``."""
    return os.strerror(exc.errno) if exc.errno else str(exc)


class Transport:
    """Delivers received bytes to ``on_data`` and calls ``on_close(reason)`` once when the link ends."""

    def __init__(self, endpoint: Endpoint, on_data: Callable[[bytes], None], on_close: Callable[[str], None]):
        self.endpoint = endpoint
        self._on_data = on_data
        self._on_close = on_close
        self._closed = False

    async def open(self, timeout_s: float) -> None:
        raise NotImplementedError

    def write(self, data: bytes) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    @property
    def closed(self) -> bool:
        return self._closed

    def _closed_because(self, reason: str) -> None:
        if not self._closed:
            self._closed = True
            self._on_close(reason)


class _StreamProtocol(asyncio.Protocol):
    def __init__(self, owner: TcpTransport):
        self.owner = owner

    def data_received(self, data: bytes) -> None:
        self.owner._on_data(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.owner._closed_because(f"connection closed{': ' + str(exc) if exc else ' by the vehicle'}")


class TcpTransport(Transport):
    _transport: asyncio.Transport | None = None

    async def open(self, timeout_s: float) -> None:
        loop = asyncio.get_running_loop()
        try:
            self._transport, _ = await asyncio.wait_for(
                loop.create_connection(lambda: _StreamProtocol(self), self.endpoint.host, self.endpoint.port),
                timeout_s,
            )
        except TimeoutError:
            raise LinkLost(f"cannot connect to {self.endpoint}: no answer within {timeout_s:g} s") from None
        except OSError as exc:
            raise LinkLost(f"cannot connect to {self.endpoint}: {_reason(exc)}") from None

    def write(self, data: bytes) -> None:
        if self._transport is not None and not self._closed:
            self._transport.write(data)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
        self._closed = True


class _DatagramProtocol(asyncio.DatagramProtocol):
    def __init__(self, owner: UdpTransport):
        self.owner = owner

    def datagram_received(self, data: bytes, addr) -> None:
        self.owner._peer = self.owner._peer or addr
        self.owner._on_data(data)

    def error_received(self, exc: Exception) -> None:  # ICMP port unreachable etc.: the link watchdog decides
        pass

    def connection_lost(self, exc: Exception | None) -> None:
        self.owner._closed_because("UDP socket closed")


class UdpTransport(Transport):
    """udpin: bind and answer whoever sends; udpout: send to the endpoint."""

    _transport: asyncio.DatagramTransport | None = None
    _peer: tuple | None = None

    async def open(self, timeout_s: float) -> None:
        loop = asyncio.get_running_loop()
        try:
            if self.endpoint.scheme == "udpin":
                self._transport, _ = await loop.create_datagram_endpoint(
                    lambda: _DatagramProtocol(self), local_addr=(self.endpoint.host, self.endpoint.port)
                )
            else:
                self._peer = (self.endpoint.host, self.endpoint.port)
                self._transport, _ = await loop.create_datagram_endpoint(
                    lambda: _DatagramProtocol(self), remote_addr=self._peer
                )
        except OSError as exc:
            raise LinkLost(f"cannot open {self.endpoint}: {_reason(exc)}") from None

    def write(self, data: bytes) -> None:
        if self._transport is None or self._closed or self._peer is None:
            return
        if self.endpoint.scheme == "udpout":
            self._transport.sendto(data)
        else:
            self._transport.sendto(data, self._peer)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
        self._closed = True


def make_transport(connection: str, on_data: Callable[[bytes], None], on_close: Callable[[str], None]) -> Transport:
    endpoint = parse_connection(connection)
    cls = TcpTransport if endpoint.scheme == "tcp" else UdpTransport
    return cls(endpoint, on_data, on_close)
