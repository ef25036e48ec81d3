"""Small real audio files for the clip tests, built byte by byte (no encoder needed): mutagen reads them.

- ``mp3_bytes``: MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz) of silence, each 417 bytes = 26.1 ms.
- ``m4a_bytes``: an MP4 container with one sound track (AAC-LC ``mp4a`` with its ``esds``), durations from
  its ``mdhd``; ``with_video=True`` adds a video track (then it is not an M4A).
- ``wav_bytes``: ``campaigns.content.audio.tone_wav``.
"""

from __future__ import annotations

import struct

from campaigns.content.audio import tone_wav

MP3_FRAME_S = 1152 / 44100


def mp3_bytes(seconds: float = 2.0) -> bytes:
    header = b"\xff\xfb\x90\x64"  # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, no padding, joint stereo
    frame = header + bytes(417 - len(header))
    count = max(3, round(seconds / MP3_FRAME_S))
    return frame * count


def wav_bytes(seconds: float = 2.0) -> bytes:
    return tone_wav(seconds=seconds, rate_hz=4000)


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _full(kind: bytes, payload: bytes, version: int = 0, flags: int = 0) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags) + payload)


def _descriptor(tag: int, payload: bytes) -> bytes:
    return bytes([tag, len(payload)]) + payload


def _track(handler: bytes, timescale: int, duration: int, sample_entry: bytes) -> bytes:
    tkhd = _full(b"tkhd", struct.pack(">IIIII", 0, 0, 1, 0, duration) + bytes(60), flags=7)
    mdhd = _full(b"mdhd", struct.pack(">IIIIHH", 0, 0, timescale, duration, 0x55C4, 0))
    hdlr = _full(b"hdlr", struct.pack(">I", 0) + handler + bytes(12) + b"track\x00")
    stsd = _full(b"stsd", struct.pack(">I", 1) + sample_entry)
    stbl = _box(
        b"stbl",
        stsd
        + _full(b"stts", struct.pack(">I", 0))
        + _full(b"stsc", struct.pack(">I", 0))
        + _full(b"stsz", struct.pack(">II", 0, 0))
        + _full(b"stco", struct.pack(">I", 0)),
    )
    minf = _box(b"minf", _full(b"smhd", bytes(4)) + stbl)
    return _box(b"trak", tkhd + _box(b"mdia", mdhd + hdlr + minf))


def _mp4a_entry(rate_hz: int) -> bytes:
    decoder_config = _descriptor(0x05, b"\x12\x10")  # AAC LC, 44.1 kHz, stereo
    decoder = _descriptor(0x04, bytes([0x40, 0x15]) + bytes(3) + struct.pack(">II", 128000, 128000) + decoder_config)
    es = _descriptor(0x03, struct.pack(">HB", 1, 0) + decoder + _descriptor(0x06, b"\x02"))
    esds = _full(b"esds", es)
    body = bytes(6) + struct.pack(">H", 1) + bytes(8) + struct.pack(">HHHHI", 2, 16, 0, 0, rate_hz << 16) + esds
    return _box(b"mp4a", body)


def m4a_bytes(seconds: float = 2.0, *, with_video: bool = False) -> bytes:
    rate = 44100
    duration = round(seconds * rate)
    ftyp = _box(b"ftyp", b"M4A " + struct.pack(">I", 0) + b"M4A mp42isom")
    mvhd = _full(b"mvhd", struct.pack(">IIII", 0, 0, rate, duration) + bytes(80))
    tracks = _track(b"soun", rate, duration, _mp4a_entry(rate))
    if with_video:
        tracks += _track(b"vide", rate, duration, _box(b"avc1", bytes(78)))
    return ftyp + _box(b"moov", mvhd + tracks) + _box(b"mdat", bytes(64))
