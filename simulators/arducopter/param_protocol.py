"""The MAVLink parameter protocol as ArduCopter 4.7 answers it (README §2 01, §4).

* PARAM_REQUEST_LIST: three banner STATUSTEXTs, then every parameter in index order, the first
  ~34 ms later, ~2100 per vehicle second (1349 in 0.64 s), all with ``param_count`` 1349.
* PARAM_REQUEST_READ: queued (20 entries; overflow is dropped) and answered by a 10 Hz
  parameter task, five per run - 01's single reads came back after ~0.1 s, dronekit's burst
  of reads in 08 in batches of five every ~0.1 s. By name the reply has ``param_index`` 65535,
  by index the real index. Unknown names and out-of-range indices get no reply at all. Only
  ``param_index`` -1 means "by name" (GCS_MAVLINK::param_io_timer); any other negative index is
  looked up as an index (-2 is 65534 to AP_Param::find_by_index) and so gets no reply either.
* PARAM_SET: echoed at once with the vehicle's own type (not the one sent), even when the value
  is unchanged; unknown names get nothing; internal parameters answer with the unchanged value
  and "Param write denied (NAME)".
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from simulators.arducopter.ftp import FtpServer
from simulators.arducopter.params import ECHO_TYPE_QUIRKS, READ_ONLY
from simulators.arducopter.wire import spec, text_field

if TYPE_CHECKING:
    from simulators.arducopter.vehicle import Vehicle

BANNER_TEXTS = ("ArduCopter V4.7.0-dev (90700977)", "3d1219c7c4c5404aaa1f6d2a48adfda4", "Frame: QUAD/PLUS")
LIST_FIRST_DELAY_S = 0.034
LIST_RATE_PER_S = 2100.0
READ_SLOT_PERIOD_S = 0.1
READ_SLOT_PHASE_S = 0.04
READ_MIN_WAIT_S = 0.02  # a read arriving this close to a run waits for the next one
READS_PER_SLOT = 5
READ_QUEUE_SIZE = 20
INDEX_BY_NAME = 65535

_PARAM_VALUE = spec("PARAM_VALUE")


class ParamProtocol:
    def __init__(self, vehicle: Vehicle) -> None:
        self.vehicle = vehicle
        self._list_next_index: int | None = None
        self._list_start_s = 0.0
        self._reads: deque[tuple[float, int, bool]] = deque()  # (arrived, index, by_name)
        self._next_read_slot_s = READ_SLOT_PHASE_S
        self.ftp = FtpServer(vehicle)

    def handlers(self) -> dict[str, Callable[[Any], None]]:
        return {
            "PARAM_REQUEST_LIST": self._on_request_list,
            "PARAM_REQUEST_READ": self._on_request_read,
            "PARAM_SET": self._on_set,
            # MAVLink FTP lives here because what a GCS fetches with it is @PARAM/param.pck
            "FILE_TRANSFER_PROTOCOL": self.ftp.on_message,
        }

    def send_banner(self) -> None:
        """GCS_MAVLINK::send_banner: firmware, board id and frame (also on opening param.pck)."""
        for text in BANNER_TEXTS:
            self.vehicle.send_text(6, text)

    def send_value(
        self, name: str, *, index: int, param_count: int | None = None, param_type: int | None = None
    ) -> None:
        params = self.vehicle.params
        real_index = params.index(name)
        if real_index is None:
            return
        self.vehicle.send_payload(
            "PARAM_VALUE",
            _PARAM_VALUE.struct.pack(
                params.values[real_index],
                params.count if param_count is None else param_count,
                index,
                text_field(name, 16),
                params.table.types[real_index] if param_type is None else param_type,
            ),
        )

    def _send_index(self, index: int, reply_index: int) -> None:
        params = self.vehicle.params
        self.vehicle.send_payload(
            "PARAM_VALUE",
            _PARAM_VALUE.struct.pack(
                params.values[index], params.count, reply_index, text_field(params.table.names[index], 16),
                params.table.types[index],
            ),
        )  # fmt: skip

    # --- handlers ------------------------------------------------------------------------

    def _on_request_list(self, msg: Any) -> None:
        if not self.vehicle.addressed_to_me(msg):
            return
        self.send_banner()
        self._list_next_index = 0
        self._list_start_s = self.vehicle.now_s + LIST_FIRST_DELAY_S

    def _on_request_read(self, msg: Any) -> None:
        if not self.vehicle.addressed_to_me(msg):
            return
        params = self.vehicle.params
        if msg.param_index == -1:
            name = _decode_name(msg.param_id)
            index = params.index(name)
            by_name = True
        else:
            index = msg.param_index if 0 <= msg.param_index < params.count else None
            by_name = False
        if index is None or len(self._reads) >= READ_QUEUE_SIZE:
            return
        self._reads.append((self.vehicle.now_s, index, by_name))

    def _on_set(self, msg: Any) -> None:
        vehicle = self.vehicle
        if not vehicle.addressed_to_me(msg):
            return
        name = _decode_name(msg.param_id)
        params = vehicle.params
        if name not in params:
            return
        if name in READ_ONLY:
            self.send_value(name, index=INDEX_BY_NAME)
            vehicle.send_text(4, f"Param write denied ({name})")
            return
        params.set(name, float(msg.param_value))
        self.send_value(name, index=INDEX_BY_NAME, param_type=ECHO_TYPE_QUIRKS.get(name))

    # --- timed output ----------------------------------------------------------------------

    def update(self) -> None:
        now = self.vehicle.now_s
        if now >= self._next_read_slot_s:
            slot = self._next_read_slot_s
            self._next_read_slot_s = slot + READ_SLOT_PERIOD_S * max(1, int((now - slot) / READ_SLOT_PERIOD_S) + 1)
            answered = 0
            while self._reads and answered < READS_PER_SLOT and self._reads[0][0] <= slot - READ_MIN_WAIT_S:
                _, index, by_name = self._reads.popleft()
                self._send_index(index, INDEX_BY_NAME if by_name else index)
                answered += 1
        if self._list_next_index is None or now < self._list_start_s:
            return
        count = self.vehicle.params.count
        due = int((now - self._list_start_s) * LIST_RATE_PER_S) + 1
        end = min(count, due)
        for index in range(self._list_next_index, end):
            self._send_index(index, index)
        self._list_next_index = None if end >= count else end


def _decode_name(raw: Any) -> str:
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    return str(raw).split("\x00", 1)[0]
