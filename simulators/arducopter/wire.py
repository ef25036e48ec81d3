"""MAVLink 2 framing for the simulator: a lean encoder and a forgiving parser.

Outgoing frames are built here rather than with pymavlink's message objects: telemetry is
the hot path (200 vehicles x ~120 messages/s), and a frame is one ``struct.pack`` of the
payload in wire order, trailing-zero truncation, a 10-byte header and a C CRC. Rare messages
can still be packed with pymavlink (``Framer.frame_message``); both paths share one sequence
counter so the stream of ``seq`` values stays continuous, as on a real vehicle.

The dialect is pymavlink's ``all``: the ``ardupilotmega`` module of pymavlink 2.4.50 lacks
AVAILABLE_MODES (435) and AVAILABLE_MODES_MONITOR (437), which this firmware sends.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from typing import Any

from pymavlink.dialects.v20 import all as mavlink

try:  # fastcrc is a dependency of pymavlink 2.4.50; keep a pure-stdlib fallback anyway.
    from fastcrc.crc16 import mcrf4xx as _mcrf4xx
except ImportError:  # pragma: no cover - exercised only without fastcrc
    import binascii

    _REV8 = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))

    def _rev16(value: int) -> int:
        return (_REV8[value & 0xFF] << 8) | _REV8[value >> 8]

    def _mcrf4xx(data: bytes, initial: int = 0xFFFF) -> int:
        """CRC-16/MCRF4XX via the C CRC-CCITT in binascii on bit-reversed bytes."""
        return _rev16(binascii.crc_hqx(bytes(data).translate(_REV8), _rev16(initial)))


MAVLINK2_STX = 0xFD
_HEADER = struct.Struct("<BBBBBBBHB")
_CRC = struct.Struct("<H")


@dataclass(frozen=True, slots=True)
class MessageSpec:
    """Wire description of one MAVLink message type.

    ``struct`` packs the payload with fields in wire order (pymavlink's
    ``ordered_fieldnames``, arrays flattened); ``kinds`` says per wire field whether it is a
    scalar (``v``), a numeric array (``a``) or a char array (``s``).
    """

    name: str
    msg_id: int
    crc_extra: int
    struct: struct.Struct
    wire_fields: tuple[str, ...]
    array_lengths: tuple[int, ...]
    kinds: tuple[str, ...]


def _field_kinds(fmt: str, lengths: tuple[int, ...]) -> tuple[str, ...]:
    """Per wire field: ``s`` for a char array (one ``Ns`` item), ``a`` for a numeric array."""
    chars = re.findall(r"(\d*)([a-zA-Z?])", fmt.lstrip("<"))
    kinds = []
    for (_, char), length in zip(chars, lengths, strict=True):
        kinds.append("s" if char == "s" else ("a" if length else "v"))
    return tuple(kinds)


def _spec_for(cls: Any) -> MessageSpec:
    fmt = cls.unpacker.format
    lengths = tuple(cls.array_lengths)
    return MessageSpec(
        name=cls.msgname,
        msg_id=cls.id,
        crc_extra=cls.crc_extra,
        struct=struct.Struct(fmt),
        wire_fields=tuple(cls.ordered_fieldnames),
        array_lengths=lengths,
        kinds=_field_kinds(fmt, lengths),
    )


SPECS: dict[str, MessageSpec] = {}
SPECS_BY_ID: dict[int, MessageSpec] = {}
for _cls in mavlink.mavlink_map.values():
    _spec = _spec_for(_cls)
    SPECS[_spec.name] = _spec
    SPECS_BY_ID[_spec.msg_id] = _spec


def spec(name: str) -> MessageSpec:
    return SPECS[name]


def text_field(text: str, size: int) -> bytes:
    """A MAVLink char[size] field: UTF-8, truncated, NUL padding added by struct."""
    return text.encode("utf-8")[:size]


def pack_fields(message_spec: MessageSpec, fields: dict[str, Any]) -> bytes:
    """Payload from named fields (the path for rare messages and set-up).

    Missing fields are zero; arrays are given as sequences; char arrays as str or bytes.
    """
    args: list[Any] = []
    for name, length, kind in zip(message_spec.wire_fields, message_spec.array_lengths, message_spec.kinds,
                                  strict=True):  # fmt: skip
        value = fields.get(name, 0)
        if kind == "s":
            if isinstance(value, str):
                value = value.encode("utf-8")
            elif not value:
                value = b""
            args.append(bytes(value)[:length])
        elif kind == "a":
            seq = list(value) if value else []
            args.extend((seq + [0] * length)[:length])
        else:
            args.append(value)
    return message_spec.struct.pack(*args)


class Framer:
    """Builds MAVLink 2 frames from one system/component with a shared sequence number."""

    __slots__ = ("seq", "sysid", "compid", "_pymav")

    def __init__(self, sysid: int, compid: int = 1) -> None:
        self.seq = 0
        self.sysid = sysid
        self.compid = compid
        self._pymav = mavlink.MAVLink(None, srcSystem=sysid, srcComponent=compid)

    def set_sysid(self, sysid: int) -> None:
        self.sysid = sysid
        self._pymav.srcSystem = sysid

    def frame(self, message_spec: MessageSpec, payload: bytes) -> bytes:
        """One complete unsigned MAVLink 2 frame for ``payload`` (trailing zeros stripped)."""
        body = payload.rstrip(b"\x00") or b"\x00"
        seq = self.seq
        self.seq = (seq + 1) & 0xFF
        msg_id = message_spec.msg_id
        header = _HEADER.pack(
            MAVLINK2_STX, len(body), 0, 0, seq, self.sysid, self.compid, msg_id & 0xFFFF, msg_id >> 16
        )
        crc = _mcrf4xx(header[1:] + body + bytes((message_spec.crc_extra,)))
        return header + body + _CRC.pack(crc)

    def frame_message(self, message: Any) -> bytes:
        """Frame a pymavlink message object, sharing this framer's sequence counter."""
        self._pymav.seq = self.seq
        buf = message.pack(self._pymav)
        self.seq = (self.seq + 1) & 0xFF
        return buf


class Parser:
    """Incremental MAVLink 1/2 parser that never raises on bad input.

    Garbage, truncated frames and CRC errors are dropped (pymavlink's robust parsing turns
    them into ``BAD_DATA`` which we discard).
    """

    def __init__(self) -> None:
        self._mav = mavlink.MAVLink(None)
        self._mav.robust_parsing = True

    def feed(self, data: bytes) -> list[Any]:
        try:
            messages = self._mav.parse_buffer(data)
        except Exception:  # noqa: BLE001 - hostile input must never kill the vehicle
            self._mav = mavlink.MAVLink(None)
            self._mav.robust_parsing = True
            return []
        if not messages:
            return []
        return [m for m in messages if m.get_type() != "BAD_DATA"]
