"""pymavlink's parser, told which messages nobody here reads: their frames are split off, not decoded.

ArduCopter streams messages in fixed sets (``REQUEST_DATA_STREAM``): the sets the system reads
(``commands.STREAMS_READ``) also carry messages it never looks at (NAV_CONTROLLER_OUTPUT, WIND,
VIBRATION, ...). Decoding a frame (checksum, unpacking, building the message object) is most of
what a link costs the bridge, so the frames of those messages are counted and passed over as one
shared ``UNREAD`` stand-in; every other frame is decoded as pymavlink does, with its checksum
checked. A new reader of one of these messages removes it from ``UNREAD_MESSAGE_IDS``.
"""

from __future__ import annotations

from pymavlink.dialects.v20 import ardupilotmega as mavlink

UNREAD_MESSAGES = (
    # RAW_SENSORS and EXTRA1, should a vehicle keep streaming them after being asked to stop
    "RAW_IMU", "SCALED_IMU2", "SCALED_IMU3", "SCALED_PRESSURE", "SCALED_PRESSURE2",
    "ATTITUDE", "AHRS2", "SIMSTATE", "ESC_TELEMETRY_1_TO_4",
    # riding in the streams that are read
    "POWER_STATUS", "MEMINFO", "NAV_CONTROLLER_OUTPUT", "POSITION_TARGET_GLOBAL_INT", "LOCAL_POSITION_NED",
    "RC_CHANNELS", "AHRS", "SYSTEM_TIME", "WIND", "TERRAIN_REPORT", "TERRAIN_REQUEST", "VIBRATION",
)  # fmt: skip
UNREAD_MESSAGE_IDS = frozenset(getattr(mavlink, f"MAVLINK_MSG_ID_{name}") for name in UNREAD_MESSAGES)


class _Unread:
    """The stand-in the parser returns for a frame it did not decode."""

    __slots__ = ()

    def get_type(self) -> str:
        return "UNREAD"


UNREAD = _Unread()


class SelectiveMAVLink(mavlink.MAVLink):
    """``MAVLink`` that does not decode the frames of ``unread_ids``; ``unread`` counts them."""

    def __init__(self, *args, unread_ids: frozenset[int] = UNREAD_MESSAGE_IDS, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.unread_ids = unread_ids
        self.unread = 0

    def decode(self, msgbuf: bytearray):  # the parser calls this with one whole frame
        if msgbuf[0] == mavlink.PROTOCOL_MARKER_V2:
            message_id = msgbuf[7] | msgbuf[8] << 8 | msgbuf[9] << 16
        else:
            message_id = msgbuf[5]
        if message_id in self.unread_ids:
            self.unread += 1
            return UNREAD
        return super().decode(msgbuf)
