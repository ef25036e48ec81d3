"""MAVLink FTP (FILE_TRANSFER_PROTOCOL) as ArduPilot's GCS_FTP answers it, for what a GCS asks.

AUTOPILOT_VERSION advertises MAV_PROTOCOL_CAPABILITY_FTP, so ground stations (QGroundControl,
MAVProxy) open ``@PARAM/param.pck`` first and fall back to PARAM_REQUEST_LIST only after an FTP
timeout. This module answers the requests the way GCS_FTP's worker does (one session at a time,
the reply echoing the request's session with ``seq_number + 1``, a repeated request getting the
last reply again) and serves the parameter table in AP_Filesystem_Param's packed format.

What the simulator holds: only ``@PARAM/param.pck`` (with ``?withdefaults=1``, ``start=`` and
``count=``), listed under ``@PARAM`` and, as a directory, under the root. Any other path is
answered like a missing file (NAK FileNotFound). There is no writable storage: the write
opcodes (create, write, remove, rename, mkdir/rmdir, open for writing) are NAKed with Fail;
TruncateFile and unknown opcodes with UnknownCommand, as ArduPilot does.

Payload layout (``payload[251]``): seq_number u16, session u8, opcode u8, size u8, req_opcode u8,
burst_complete u8, padding u8, offset u32, data[239]; little-endian.
"""

from __future__ import annotations

import errno
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from simulators.arducopter.params import PARAM_TYPE_INT8, PARAM_TYPE_INT16, PARAM_TYPE_INT32, PARAM_TYPE_REAL32

if TYPE_CHECKING:
    from simulators.arducopter.vehicle import Vehicle

DATA_SIZE = 239
PAYLOAD_SIZE = 251
_HEADER = struct.Struct("<HBBBBBBI")
SESSION_TIMEOUT_S = 3.0  # an idle open file may be taken over by another session after this
BURST_MAX_PACKETS = 2000
PARAM_FILE = "@PARAM/param.pck"
PARAM_DIR = "@PARAM"
PCK_MAGIC, PCK_MAGIC_WITH_DEFAULTS = 0x671B, 0x671C


class Op(IntEnum):
    NONE = 0
    TERMINATE_SESSION = 1
    RESET_SESSIONS = 2
    LIST_DIRECTORY = 3
    OPEN_FILE_RO = 4
    READ_FILE = 5
    CREATE_FILE = 6
    WRITE_FILE = 7
    REMOVE_FILE = 8
    CREATE_DIRECTORY = 9
    REMOVE_DIRECTORY = 10
    OPEN_FILE_WO = 11
    TRUNCATE_FILE = 12
    RENAME = 13
    CALC_FILE_CRC32 = 14
    BURST_READ_FILE = 15
    ACK = 128
    NAK = 129


class FtpError(IntEnum):
    NONE = 0
    FAIL = 1
    FAIL_ERRNO = 2
    INVALID_DATA_SIZE = 3
    INVALID_SESSION = 4
    NO_SESSIONS_AVAILABLE = 5
    END_OF_FILE = 6
    UNKNOWN_COMMAND = 7
    FILE_EXISTS = 8
    FILE_PROTECTED = 9
    FILE_NOT_FOUND = 10


WRITE_OPS = frozenset({Op.CREATE_FILE, Op.WRITE_FILE, Op.REMOVE_FILE, Op.CREATE_DIRECTORY, Op.REMOVE_DIRECTORY,
                       Op.OPEN_FILE_WO, Op.RENAME, Op.CALC_FILE_CRC32})  # fmt: skip

# MAV_PARAM_TYPE -> (AP_Param type code, struct format) in the packed file
_PCK_TYPES = {
    PARAM_TYPE_INT8: (1, "<b"),
    PARAM_TYPE_INT16: (2, "<h"),
    PARAM_TYPE_INT32: (3, "<i"),
    PARAM_TYPE_REAL32: (4, "<f"),
}


@dataclass(slots=True)
class Frame:
    """One FTP payload, decoded."""

    seq: int = 0
    session: int = 0
    opcode: int = 0
    size: int = 0
    req_opcode: int = 0
    burst_complete: int = 0
    offset: int = 0
    data: bytes = b""
    target: tuple[int, int] = (0, 0)

    @classmethod
    def decode(cls, payload: bytes, target: tuple[int, int]) -> Frame:
        raw = bytes(payload).ljust(PAYLOAD_SIZE, b"\x00")
        seq, session, opcode, size, req_opcode, burst, _pad, offset = _HEADER.unpack_from(raw)
        return cls(seq, session, opcode, size, req_opcode, burst, offset, raw[12:PAYLOAD_SIZE], target)

    def encode(self) -> bytes:
        head = _HEADER.pack(
            self.seq & 0xFFFF, self.session, self.opcode, self.size, self.req_opcode, self.burst_complete, 0,
            self.offset & 0xFFFFFFFF,
        )  # fmt: skip
        return head + self.data[:DATA_SIZE].ljust(DATA_SIZE, b"\x00")


@dataclass(slots=True)
class _OpenFile:
    path: str
    start: int = 0
    count: int = 0
    with_defaults: bool = False
    read_size: int = 0  # AP_Filesystem_Param allows one read size per open file
    blob: bytes | None = None


@dataclass(slots=True)
class _Session:
    current: int = -1
    file: _OpenFile | None = None
    last_send_s: float = 0.0
    last_reply: Frame | None = field(default=None)


class FtpServer:
    def __init__(self, vehicle: Vehicle) -> None:
        self.v = vehicle
        self._s = _Session()

    # --- wire ------------------------------------------------------------------------------

    def on_message(self, msg: Any) -> None:
        v = self.v
        if not v.addressed_to_me(msg):
            return
        request = Frame.decode(bytes(msg.payload), (msg.get_srcSystem(), msg.get_srcComponent()))
        last = self._s.last_reply
        if (
            last is not None
            and last.target == request.target
            and last.session == request.session
            and (request.seq + 1) & 0xFFFF == last.seq
        ):
            # a re-sent request: our reply was lost, send it again
            self._push(last)
            return
        reply = Frame(
            seq=(request.seq + 1) & 0xFFFF, session=request.session, req_opcode=request.opcode, target=request.target
        )
        if self._handle(request, reply):
            self._push(reply)

    def _push(self, reply: Frame) -> None:
        s = self._s
        s.last_send_s = self.v.now_s
        s.last_reply = reply
        self.v.send_fields(
            "FILE_TRANSFER_PROTOCOL",
            {"target_network": 0, "target_system": reply.target[0], "target_component": reply.target[1],
             "payload": reply.encode()},
        )  # fmt: skip

    @staticmethod
    def _nak(reply: Frame, error: FtpError, os_errno: int = 0) -> None:
        reply.opcode = Op.NAK
        if error == FtpError.FAIL_ERRNO and os_errno == errno.ENOENT:
            error = FtpError.FILE_NOT_FOUND
        if error == FtpError.FAIL_ERRNO:
            reply.data, reply.size = bytes((error, os_errno)), 2
        else:
            reply.data, reply.size = bytes((error,)), 1

    # --- dispatch (GCS_FTP::ftp_worker) ----------------------------------------------------

    def _handle(self, request: Frame, reply: Frame) -> bool:
        """Fill ``reply``; False when nothing is to be sent (stray ACK/NAK, burst already sent)."""
        s = self._s
        now = self.v.now_s
        if request.size > DATA_SIZE:
            self._nak(reply, FtpError.INVALID_DATA_SIZE)
            return True
        op = request.opcode
        if request.session != s.current and op in (Op.TERMINATE_SESSION, Op.RESET_SESSIONS):
            reply.opcode = Op.ACK  # terminating some other session: nothing to do
            return True
        if s.file is not None and request.session != s.current:
            if now - s.last_send_s < SESSION_TIMEOUT_S:
                self._nak(reply, FtpError.INVALID_SESSION)  # no IO on another session's file
                return True
            self._close()  # the old session went idle: take over
        handler = self._handlers().get(op)
        if handler is not None:
            return handler(request, reply)
        if op in (Op.ACK, Op.NAK):
            return False
        if op in WRITE_OPS:
            self._nak(reply, FtpError.FAIL)  # the simulator has no writable storage
            return True
        self._nak(reply, FtpError.UNKNOWN_COMMAND)
        return True

    def _handlers(self) -> dict[int, Callable[[Frame, Frame], bool]]:
        return {
            Op.NONE: self._ack_only,
            Op.TERMINATE_SESSION: self._terminate,
            Op.RESET_SESSIONS: self._terminate,
            Op.LIST_DIRECTORY: self._list_directory,
            Op.OPEN_FILE_RO: self._open_ro,
            Op.READ_FILE: self._read,
            Op.BURST_READ_FILE: self._burst_read,
        }

    def _close(self) -> None:
        self._s.file = None
        self._s.current = -1

    @staticmethod
    def _ack_only(request: Frame, reply: Frame) -> bool:
        reply.opcode = Op.ACK
        return True

    def _terminate(self, request: Frame, reply: Frame) -> bool:
        self._close()
        reply.opcode = Op.ACK
        return True

    @staticmethod
    def _name(request: Frame) -> str | None:
        """The path in the request, or None when ``size`` does not match it (check_name_len)."""
        raw = request.data[:DATA_SIZE]
        length = raw.find(b"\x00")
        length = len(raw) if length < 0 else length
        if request.size == 0:
            return None
        if length != request.size and not (request.size - length == 1):
            return None
        return raw[:length].decode("utf-8", errors="replace")

    def _list_directory(self, request: Frame, reply: Frame) -> bool:
        reply.offset = request.offset
        path = self._name(request)
        if path is None:
            self._nak(reply, FtpError.INVALID_DATA_SIZE)
            return True
        if len(path) > 1 and path.endswith("/"):
            path = path[:-1]
        if path in ("", "/", "."):
            entries = [f"D{PARAM_DIR}"]
        elif path == PARAM_DIR:
            entries = [f"F{PARAM_FILE.split('/', 1)[1]}\t{self._param_file_size()}"]
        else:
            self._nak(reply, FtpError.FAIL_ERRNO, errno.ENOENT)
            return True
        listing = b"".join(e.encode() + b"\x00" for e in entries[request.offset :])
        if not listing:
            self._nak(reply, FtpError.END_OF_FILE)
            return True
        reply.opcode, reply.size, reply.data = Op.ACK, len(listing), listing
        return True

    def _param_file_size(self) -> int:
        return self.v.params.count * 12  # AP_Filesystem_Param::stat's estimate

    def _open_ro(self, request: Frame, reply: Frame) -> bool:
        s = self._s
        now = self.v.now_s
        if s.file is not None and now - s.last_send_s > SESSION_TIMEOUT_S:
            self._close()
        if s.file is not None:
            self._nak(reply, FtpError.FAIL)  # one open file per session
            return True
        path = self._name(request)
        if path is None:
            self._nak(reply, FtpError.INVALID_DATA_SIZE)
            return True
        opened = self._open_param_file(path)
        if isinstance(opened, int):
            self._nak(reply, FtpError.FAIL_ERRNO, opened)
            return True
        s.file = opened
        s.current = request.session
        reply.opcode, reply.size, reply.data = Op.ACK, 4, struct.pack("<I", self._param_file_size())
        # GCS_FTP sends the banner when param.pck is opened (the old protocol's banner download)
        self.v.param_protocol.send_banner()
        return True

    def _open_param_file(self, path: str) -> _OpenFile | int:
        """The open file, or an errno (ENOENT for anything but param.pck, EINVAL for bad args)."""
        name, _, query = path.partition("?")
        if name != PARAM_FILE:
            return errno.ENOENT
        opened = _OpenFile(path)
        for arg in filter(None, query.split("&")):
            key, _, value = arg.partition("=")
            try:
                number = int(value)
            except ValueError:
                number = 0
            if key == "start":
                opened.start = number
            elif key == "count":
                opened.count = number
            elif key == "withdefaults":
                if number > 1:
                    return errno.EINVAL
                opened.with_defaults = number == 1
        if opened.start >= 0xFFFF or opened.count >= 0xFFFF:
            return errno.EINVAL
        return opened

    def _read_chunk(self, offset: int, size: int) -> bytes | int:
        """``size`` bytes at ``offset`` of the open file, or an errno."""
        opened = self._s.file
        assert opened is not None
        if size <= 0:
            return b""  # a zero-length read reads nothing: the client sees EOF
        if opened.read_size == 0:
            opened.read_size = size
        if opened.read_size != size:
            return errno.EINVAL
        if opened.blob is None:
            blob = pack_params(self.v, opened.read_size, start=opened.start, count=opened.count,
                               with_defaults=opened.with_defaults)  # fmt: skip
            if blob is None:
                return errno.EINVAL
            opened.blob = blob
        return opened.blob[offset : offset + size]

    def _read(self, request: Frame, reply: Frame) -> bool:
        if self._s.file is None:
            self._nak(reply, FtpError.FILE_NOT_FOUND)
            return True
        chunk = self._read_chunk(request.offset, min(DATA_SIZE, request.size))
        if isinstance(chunk, int):
            self._nak(reply, FtpError.FAIL_ERRNO, chunk)
        elif not chunk:
            self._nak(reply, FtpError.END_OF_FILE)
        else:
            reply.opcode, reply.offset, reply.size, reply.data = Op.ACK, request.offset, len(chunk), chunk
        return True

    def _burst_read(self, request: Frame, reply: Frame) -> bool:
        if self._s.file is None:
            self._nak(reply, FtpError.FILE_NOT_FOUND)
            return True
        max_read = request.size or DATA_SIZE
        reply.offset = request.offset
        for i in range(BURST_MAX_PACKETS):
            chunk = self._read_chunk(reply.offset, min(DATA_SIZE, max_read))
            if isinstance(chunk, int) or not chunk:
                reply.burst_complete = 1
                if isinstance(chunk, int):
                    self._nak(reply, FtpError.FAIL_ERRNO, chunk)
                else:
                    self._nak(reply, FtpError.END_OF_FILE)
                return True
            reply.opcode, reply.size, reply.data = Op.ACK, len(chunk), chunk
            reply.burst_complete = 1 if i == BURST_MAX_PACKETS - 1 else 0
            self._push(Frame(**{k: getattr(reply, k) for k in Frame.__slots__}))
            reply.offset += len(chunk)
            reply.seq = (reply.seq + 1) & 0xFFFF
        return False


def pack_params(
    vehicle: Vehicle, read_size: int, *, start: int = 0, count: int = 0, with_defaults: bool = False
) -> bytes | None:
    """``@PARAM/param.pck`` as AP_Filesystem_Param builds it, for reads of ``read_size`` bytes.

    Header: magic (0x671b, 0x671c with defaults), num_params, total_params (u16 each). Each
    parameter: ``type | flags << 4``, ``common_len | (name_len - 1) << 4`` (name bytes shared
    with the previous name are left out), the rest of the name, the value (and the default when
    it differs, with ``withdefaults=1``). Zero bytes pad an entry so that a value never straddles
    a ``read_size`` boundary. None when ``start`` is past the table (EINVAL).
    """
    params = vehicle.params
    table = params.table
    total = params.count
    if total <= start:
        return None
    num = total - start
    if count and num > count:
        num = count
    out = bytearray(struct.pack("<HHH", PCK_MAGIC_WITH_DEFAULTS if with_defaults else PCK_MAGIC, num, total))
    last_name = b""
    for index in range(start, start + num):
        name = table.names[index].encode()
        ap_type, fmt = _PCK_TYPES[table.types[index]]
        type_len = struct.calcsize(fmt)
        common = 0
        while common < min(len(name), len(last_name)) and name[common] == last_name[common]:
            common += 1
        rest = name[common:]
        if not rest:
            common -= 1
            rest = name[common:]
        value = params.values[index]
        default = table.defaults[index]
        add_default = with_defaults and value != default
        entry = bytearray((ap_type | (int(add_default) << 4), common | ((len(rest) - 1) << 4)))
        entry += rest + _pack_value(fmt, value)
        if add_default:
            entry += _pack_value(fmt, default)
        if type_len > 1 and read_size > 0:
            end_mod = (len(out) + len(entry)) % read_size  # file offset where the value ends
            if 0 < end_mod < type_len:
                entry = bytes(type_len - end_mod) + entry
        out += entry
        last_name = name
    return bytes(out)


def _pack_value(fmt: str, value: float) -> bytes:
    return struct.pack(fmt, value if fmt == "<f" else int(value))
