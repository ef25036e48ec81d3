"""The mission protocol for missions (type 0), fences (1) and rally points (2).

As observed (README §2 04/05/10, §7):

* Uploads: the vehicle asks with MISSION_REQUEST (40) - never MISSION_REQUEST_INT - re-asks
  every 1 s and gives up 8 s after the last item (MISSION_ACK 15, "Mission upload timeout").
  A bad item ends the upload with its error ACK; an out-of-order item gets ACK 13 but the
  upload continues. A new MISSION_COUNT restarts the upload. Missions are written in place:
  a shorter count truncates at once, items are replaced as they arrive, so a failed upload
  leaves a mixture of old and new items. Fences are validated and stored only when complete.
* MIS_TOTAL / RALLY_TOTAL / FENCE_TOTAL are broadcast (unasked PARAM_VALUE) when they change.
* Downloads: MISSION_REQUEST_INT -> MISSION_ITEM_INT; legacy MISSION_REQUEST -> MISSION_ITEM
  with a one-time warning; item 0 of the mission is the current home (zeros before home).
  An out-of-range MISSION_REQUEST_INT is answered with MISSION_COUNT, then ACK 13 (10).

Transfer state and sender check, as ArduPilot's MissionItemProtocol keeps them per mission type:

* while an upload runs, MISSION_REQUEST_LIST and MISSION_REQUEST_INT of that type get
  MISSION_ACK DENIED (the legacy MISSION_REQUEST has no such check and is served);
* MISSION_COUNT from another (sysid, compid) gets DENIED and leaves the upload alone; from the
  uploader it restarts the upload;
* an item from another sender gets INVALID_SEQUENCE if it is not the requested seq, else DENIED;
* MISSION_CLEAR_ALL during an upload of that type gets MISSION_ACK ERROR and wipes nothing, and
  a mission cannot be cleared while AUTO is running it (AP_Mission::clear);
* MISSION_WRITE_PARTIAL_LIST requests start..end from its sender, then acks; a range beyond
  the stored count is refused with "Flight plan update rejected" + ERROR;
* an upload with no item for 8 s ends with ACK 15 to the uploader and "<Kind> upload timeout".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simulators.arducopter.mission_items import (
    MAV_MISSION_ACCEPTED,
    MAV_MISSION_ERROR,
    MAV_MISSION_INVALID_SEQUENCE,
    MAV_MISSION_NO_SPACE,
    MAV_MISSION_OPERATION_CANCELLED,
    MAV_MISSION_UNSUPPORTED,
    MAX_MISSION_ITEMS,
    MISSION_TYPE_FENCE,
    MISSION_TYPE_MISSION,
    MISSION_TYPE_RALLY,
    Item,
    download_form,
    fence_index_total,
    item_from_message,
    validate,
)
from simulators.arducopter.wire import spec

if TYPE_CHECKING:
    from simulators.arducopter.vehicle import Vehicle

REREQUEST_AFTER_S = 1.0
UPLOAD_TIMEOUT_S = 8.0
MAV_MISSION_DENIED = 14
TIMEOUT_TEXTS = {
    MISSION_TYPE_MISSION: "Mission upload timeout",
    MISSION_TYPE_FENCE: "Fence upload timeout",
    MISSION_TYPE_RALLY: "Rally upload timeout",
}
TOTAL_PARAMS = {MISSION_TYPE_MISSION: "MIS_TOTAL", MISSION_TYPE_FENCE: "FENCE_TOTAL", MISSION_TYPE_RALLY: "RALLY_TOTAL"}

_ITEM_INT = spec("MISSION_ITEM_INT")
_ITEM = spec("MISSION_ITEM")


@dataclass(slots=True)
class _Upload:
    """One running transfer: items ``expected``..``last`` are still to come from ``target``."""

    last: int
    target: tuple[int, int]
    expected: int = 0
    last_item_s: float = 0.0
    last_request_s: float = 0.0
    staged: list[Item] | None = None  # fence: stored only when complete
    partial: bool = False


class MissionProtocol:
    def __init__(self, vehicle: Vehicle) -> None:
        self.v = vehicle
        self.items: dict[int, list[Item]] = {MISSION_TYPE_MISSION: [], MISSION_TYPE_FENCE: [], MISSION_TYPE_RALLY: []}
        self._uploads: dict[int, _Upload] = {}
        self._warned_item = False
        self._warned_request = False

    def handlers(self) -> dict[str, Callable[[Any], None]]:
        return {
            "MISSION_REQUEST_LIST": self._on_request_list,
            "MISSION_COUNT": self._on_count,
            "MISSION_ITEM_INT": self._on_item,
            "MISSION_ITEM": self._on_item,
            "MISSION_REQUEST_INT": self._on_request,
            "MISSION_REQUEST": self._on_request,
            "MISSION_ACK": self._on_ack,
            "MISSION_CLEAR_ALL": self._on_clear_all,
            "MISSION_SET_CURRENT": self._on_set_current,
            "MISSION_WRITE_PARTIAL_LIST": self._on_write_partial_list,
        }

    # --- queries -------------------------------------------------------------------------

    def mission_count(self) -> int:
        return len(self.items[MISSION_TYPE_MISSION])

    def mission_item(self, seq: int) -> Item | None:
        items = self.items[MISSION_TYPE_MISSION]
        return items[seq] if 0 <= seq < len(items) else None

    def rally_points(self) -> list[tuple[float, float, float]]:
        """Rally points as (lat, lon, alt above home m)."""
        return [(i.lat_deg, i.lon_deg, i.z) for i in self.items[MISSION_TYPE_RALLY]]

    def fence_items(self) -> list[Item]:
        return self.items[MISSION_TYPE_FENCE]

    def receiving(self, mission_type: int) -> bool:
        """True while an upload of ``mission_type`` is in progress."""
        return mission_type in self._uploads

    # --- helpers -------------------------------------------------------------------------

    @staticmethod
    def _sender(msg: Any) -> tuple[int, int]:
        return msg.get_srcSystem(), msg.get_srcComponent()

    def _ack(self, target: tuple[int, int], result: int, mission_type: int) -> None:
        self.v.send_fields(
            "MISSION_ACK",
            {"target_system": target[0], "target_component": target[1], "type": result, "mission_type": mission_type},
        )

    def _request(self, mission_type: int, upload: _Upload) -> None:
        upload.last_request_s = self.v.now_s
        self.v.send_fields(
            "MISSION_REQUEST",
            {
                "target_system": upload.target[0],
                "target_component": upload.target[1],
                "seq": upload.expected,
                "mission_type": mission_type,
            },
        )

    def _set_total(self, mission_type: int) -> None:
        name = TOTAL_PARAMS[mission_type]
        if mission_type == MISSION_TYPE_FENCE:
            value, _ = fence_index_total(self.items[MISSION_TYPE_FENCE])
        else:
            value = len(self.items[mission_type])
        params = self.v.params
        if name in params and params.get(name) != value:
            params.set(name, value, notify=False)
            self.v.notify_param(name)

    def on_home_set(self) -> None:
        """Home is written as item 0; an empty mission becomes one item (MIS_TOTAL 1)."""
        if not self.items[MISSION_TYPE_MISSION]:
            self.items[MISSION_TYPE_MISSION].append(Item(command=16))
            self._set_total(MISSION_TYPE_MISSION)

    # --- upload --------------------------------------------------------------------------

    def _mission_request(self, msg: Any) -> tuple[int, tuple[int, int]] | None:
        """(mission type, sender) of a request addressed to this vehicle; a type it does not keep is
        answered UNSUPPORTED and gives None, as does a message for another vehicle."""
        if not self.v.addressed_to_me(msg):
            return None
        mission_type = int(getattr(msg, "mission_type", 0))
        target = self._sender(msg)
        if mission_type not in self.items:
            self._ack(target, MAV_MISSION_UNSUPPORTED, mission_type)
            return None
        return mission_type, target

    def _on_count(self, msg: Any) -> None:
        request = self._mission_request(msg)
        if request is None:
            return
        mission_type, target = request
        running = self._uploads.get(mission_type)
        if running is not None:
            if target != running.target:
                # someone else is uploading: refuse, and leave their transfer alone
                self._ack(target, MAV_MISSION_DENIED, mission_type)
                return
            del self._uploads[mission_type]  # the uploader restarts
        count = int(msg.count)
        # AP_Mission sizes its storage in init(), just before "ArduPilot Ready": until then
        # it holds no items and every upload is refused as no space
        max_items = MAX_MISSION_ITEMS if self.v.boot.reached("ready") or mission_type != 0 else 0
        if count > max_items:
            self._ack(target, MAV_MISSION_NO_SPACE, mission_type)
            self.v.send_text(4, f"Only {max_items} items are supported")
            return
        if count == 0:
            self._uploads.pop(mission_type, None)
            if mission_type != MISSION_TYPE_FENCE:
                self.items[mission_type] = []
            self._complete(mission_type, target, staged=[] if mission_type == MISSION_TYPE_FENCE else None)
            return
        upload = _Upload(last=count - 1, target=target, last_item_s=self.v.now_s)
        if mission_type == MISSION_TYPE_FENCE:
            upload.staged = []
        self._uploads[mission_type] = upload
        self._request(mission_type, upload)
        stored = self.items[mission_type]
        if upload.staged is None and count < len(stored):
            del stored[count:]
            self._set_total(mission_type)

    def _on_item(self, msg: Any) -> None:
        v = self.v
        if not v.addressed_to_me(msg):
            return
        mission_type = int(getattr(msg, "mission_type", 0))
        target = self._sender(msg)
        if msg.current in (2, 3) and mission_type == MISSION_TYPE_MISSION:
            self._guided_item(msg, target)
            return
        upload = self._uploads.get(mission_type)
        if upload is None:
            self._ack(target, MAV_MISSION_ERROR, mission_type)
            return
        if msg.seq != upload.expected:
            self._ack(target, MAV_MISSION_INVALID_SEQUENCE, mission_type)
            return
        if target != upload.target:
            # only the system that started the transfer may send its items
            self._ack(target, MAV_MISSION_DENIED, mission_type)
            return
        if msg.get_type() == "MISSION_ITEM" and not self._warned_item:
            self._warned_item = True
            v.send_text(4, "got MISSION_ITEM; GCS should send MISSION_ITEM_INT")
        item = item_from_message(msg)
        result = validate(item, mission_type)
        if result != MAV_MISSION_ACCEPTED:
            self._uploads.pop(mission_type, None)
            self._ack(target, result, mission_type)
            return
        upload.last_item_s = v.now_s
        appended = self._store(mission_type, upload, msg.seq, item)
        if appended is None:
            # beyond the end of the stored list (a partial update past the end)
            self._uploads.pop(mission_type, None)
            self._ack(target, MAV_MISSION_ERROR, mission_type)
            return
        upload.expected += 1
        if upload.expected <= upload.last:
            self._request(mission_type, upload)
            if appended:
                self._set_total(mission_type)
            return
        self._uploads.pop(mission_type, None)
        self._complete(mission_type, target, staged=upload.staged)

    def _store(self, mission_type: int, upload: _Upload, seq: int, item: Item) -> bool | None:
        """Store one item; True if it grew the stored list, None if ``seq`` lies past its end."""
        stored = upload.staged if upload.staged is not None else self.items[mission_type]
        if seq < len(stored):
            stored[seq] = item
            return False
        if seq > len(stored):
            return None
        stored.append(item)
        if upload.staged is not None:
            return False
        # appending item 0 to an empty mission (before home exists) is not announced (04)
        return not (mission_type == MISSION_TYPE_MISSION and seq == 0)

    def _complete(self, mission_type: int, target: tuple[int, int], *, staged: list[Item] | None) -> None:
        v = self.v
        if mission_type == MISSION_TYPE_FENCE:
            upload_items = staged or []
            _, error = fence_index_total(upload_items)
            if error is not None:
                self._ack(target, MAV_MISSION_ERROR, mission_type)
                v.send_text(4, error)
                v.send_text(4, "Fence validation failed")
                return
            self.items[MISSION_TYPE_FENCE] = list(upload_items)
            self._ack(target, MAV_MISSION_ACCEPTED, mission_type)
            v.send_text(7, "Fence Indexed OK")
            self._set_total(mission_type)
            v.fence.load(self.items[MISSION_TYPE_FENCE])
            return
        self._ack(target, MAV_MISSION_ACCEPTED, mission_type)
        if mission_type == MISSION_TYPE_MISSION:
            v.send_text(6, "Flight plan received")
        self._set_total(mission_type)

    def update(self) -> None:
        """Re-requests and timeouts of running uploads (called at 10 Hz)."""
        if not self._uploads:
            return
        now = self.v.now_s
        for mission_type, upload in list(self._uploads.items()):
            if now - upload.last_item_s >= UPLOAD_TIMEOUT_S:
                del self._uploads[mission_type]
                self._ack(upload.target, MAV_MISSION_OPERATION_CANCELLED, mission_type)
                self.v.send_text(4, TIMEOUT_TEXTS[mission_type])
            elif now - upload.last_request_s >= REREQUEST_AFTER_S:
                self._request(mission_type, upload)

    # --- download ------------------------------------------------------------------------

    def _on_request_list(self, msg: Any) -> None:
        request = self._mission_request(msg)
        if request is None:
            return
        mission_type, target = request
        if self.receiving(mission_type):
            # no downloads of a list that is being uploaded
            self._ack(target, MAV_MISSION_DENIED, mission_type)
            return
        self._send_count(mission_type, target)

    def _send_count(self, mission_type: int, target: tuple[int, int]) -> None:
        self.v.send_fields(
            "MISSION_COUNT",
            {
                "target_system": target[0],
                "target_component": target[1],
                "count": len(self.items[mission_type]),
                "mission_type": mission_type,
            },
        )

    def _on_request(self, msg: Any) -> None:
        v = self.v
        if not v.addressed_to_me(msg):
            return
        mission_type = int(getattr(msg, "mission_type", 0))
        target = self._sender(msg)
        if mission_type not in self.items:
            return  # no protocol for that type: ArduPilot does not answer item requests
        legacy = msg.get_type() == "MISSION_REQUEST"
        if not legacy and self.receiving(mission_type):
            self._ack(target, MAV_MISSION_DENIED, mission_type)
            return
        items = self.items[mission_type]
        seq = int(msg.seq)
        if seq >= len(items):
            if not legacy:
                # "educate the GCS on the actual size": the count first, then the error
                self._send_count(mission_type, target)
            self._ack(target, MAV_MISSION_INVALID_SEQUENCE, mission_type)
            return
        item = self._item_for_download(mission_type, seq)
        if legacy:
            self._send_item_float(item, seq, mission_type, target)
            if not self._warned_request:
                self._warned_request = True
                v.send_text(4, "got MISSION_REQUEST; use MISSION_REQUEST_INT!")
        else:
            self._send_item_int(item, seq, mission_type, target)

    def _item_for_download(self, mission_type: int, seq: int) -> Item:
        v = self.v
        if mission_type == MISSION_TYPE_MISSION and seq == 0:
            home = v.home
            if home is None:
                return Item(command=16)
            return Item(command=16, frame=0, x=v.e7(home.lat_deg), y=v.e7(home.lon_deg), z=home.alt_amsl_m)
        return download_form(self.items[mission_type][seq], mission_type)

    def _send_item_int(self, item: Item, seq: int, mission_type: int, target: tuple[int, int]) -> None:
        self.v.send_payload(
            "MISSION_ITEM_INT",
            _ITEM_INT.struct.pack(
                item.param1, item.param2, item.param3, item.param4, item.x, item.y, item.z, seq, item.command,
                target[0], target[1], item.frame, 0, item.autocontinue, mission_type,
            ),
        )  # fmt: skip

    def _send_item_float(self, item: Item, seq: int, mission_type: int, target: tuple[int, int]) -> None:
        global_xy = item.has_location or (mission_type == MISSION_TYPE_MISSION and seq == 0)
        x = item.x * 1e-7 if global_xy else float(item.x)
        y = item.y * 1e-7 if global_xy else float(item.y)
        self.v.send_payload(
            "MISSION_ITEM",
            _ITEM.struct.pack(
                item.param1, item.param2, item.param3, item.param4, x, y, item.z, seq, item.command,
                target[0], target[1], item.frame, 0, item.autocontinue, mission_type,
            ),
        )  # fmt: skip

    def _on_ack(self, msg: Any) -> None:
        """A GCS's MISSION_ACK ends nothing on the vehicle side (downloads keep no state)."""

    # --- clear / set current / guided items ----------------------------------------------

    def _on_clear_all(self, msg: Any) -> None:
        request = self._mission_request(msg)
        if request is None:
            return
        mission_type, target = request
        v = self.v
        if self.receiving(mission_type) or (mission_type == MISSION_TYPE_MISSION and v.auto.running):
            # an upload in progress is not wiped, nor a mission AUTO is flying
            self._ack(target, MAV_MISSION_ERROR, mission_type)
            return
        self.items[mission_type] = []
        if mission_type == MISSION_TYPE_MISSION:
            self._reset_auto_after_clear()
        self._ack(target, MAV_MISSION_ACCEPTED, mission_type)
        if mission_type == MISSION_TYPE_FENCE:
            v.send_text(7, "Fence Indexed OK")
            v.fence.load([])
        self._set_total(mission_type)

    def _reset_auto_after_clear(self) -> None:
        """AP_Mission::clear drops the current NAV/DO indices: MISSION_CURRENT reads 0 (04)."""
        auto = self.v.auto
        auto.after_disarm()  # the same index reset a disarm does
        auto.completed = False

    # --- partial update ------------------------------------------------------------------

    def _on_write_partial_list(self, msg: Any) -> None:
        """MISSION_WRITE_PARTIAL_LIST: request items start..end from the sender, then ack."""
        request = self._mission_request(msg)
        if request is None:
            return
        mission_type, target = request
        v = self.v
        if self.receiving(mission_type):
            self._ack(target, MAV_MISSION_DENIED, mission_type)
            return
        start, end = int(msg.start_index), int(msg.end_index)
        stored = self.items[mission_type]
        if start < 0 or start > len(stored) or end > len(stored) or end < start:
            v.send_text(4, "Flight plan update rejected")
            self._ack(target, MAV_MISSION_ERROR, mission_type)
            return
        upload = _Upload(last=end, target=target, expected=start, last_item_s=v.now_s, partial=True)
        if mission_type == MISSION_TYPE_FENCE:
            # fences are rewritten whole: items not sent keep their stored value
            upload.staged = list(stored)
        self._uploads[mission_type] = upload
        self._request(mission_type, upload)

    def _on_set_current(self, msg: Any) -> None:
        if self.v.addressed_to_me(msg):
            self.v.auto.set_current(int(msg.seq))

    def _guided_item(self, msg: Any, target: tuple[int, int]) -> None:
        """MISSION_ITEM(_INT) with current=2 (GUIDED goto, dronekit's simple_goto) or 3 (altitude)."""
        v = self.v
        item = item_from_message(msg)
        if msg.current == 3:
            ok = v.flight.guided_goto(v.kin.north_m, v.kin.east_m, v.kin_height_for_rel(item.z))
        else:
            north, east = v.offset_from_origin(item.lat_deg, item.lon_deg)
            height = item.z - v.ground_amsl_m if item.frame in (0, 5) else v.kin_height_for_rel(item.z)
            ok = v.flight.guided_goto(north, east, height)
        self._ack(target, MAV_MISSION_ACCEPTED if ok else MAV_MISSION_ERROR, MISSION_TYPE_MISSION)
