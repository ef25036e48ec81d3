"""Uploaded broadcast audio: recognised by its content with mutagen, measured, and limited.

Only MP3, WAV and M4A (AAC or ALAC in an MP4 container, audio only) are accepted; the file's name and the
content type the browser sent are never trusted: mutagen is given the bytes without the name. The size is
checked against ``CAMPAIGN_CLIP_MAX_BYTES`` before the file is read, the duration against
``CAMPAIGN_CLIP_MAX_S`` once decoded. ``tone_wav`` synthesises a short tone (the sample clips).
"""

from __future__ import annotations

import hashlib
import io
import math
import struct
import wave
from dataclasses import dataclass

import mutagen
from django.conf import settings
from django.utils.translation import gettext as _
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4, Atoms
from mutagen.wave import WAVE

from common.errors import DomainError

CONTENT_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav", "m4a": "audio/mp4"}
ACCEPTED = ", ".join(name.upper() for name in CONTENT_TYPES)

# What a decoder of untrusted bytes may raise besides its own errors: a file is refused, never a 500.
_DECODE_ERRORS = (mutagen.MutagenError, ValueError, struct.error, IndexError, KeyError, OverflowError, EOFError)


class AudioRefused(DomainError):
    """The upload is not accepted as a broadcast clip; the message says why."""

    code = "audio_refused"


@dataclass(frozen=True)
class Audio:
    """A checked recording: its bytes, format as decoded (``mp3``, ``wav``, ``m4a``), length and digest."""

    content: bytes
    audio_format: str
    duration_s: float

    @property
    def size_bytes(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.audio_format]


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _too_large(size: int) -> AudioRefused:
    limit = settings.CAMPAIGN_CLIP_MAX_BYTES
    return AudioRefused(
        _("The audio file is %(size)s; a clip may be at most %(limit)s.") % {"size": _mb(size), "limit": _mb(limit)},
        code="audio_too_large",
        details=[{"field": "audio", "size_bytes": size, "max_bytes": limit}],
    )


def audio_read(upload) -> bytes:
    """The bytes of an uploaded file; refused when larger than allowed (by its declared size, before reading)."""
    limit = settings.CAMPAIGN_CLIP_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _too_large(size)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise _too_large(len(content))
    return content


def _m4a_is_audio_only(content: bytes) -> bool:
    """True when every track of the MP4 container is a sound track (an M4A, not a video)."""
    fileobj = io.BytesIO(content)
    atoms = Atoms(fileobj)
    handlers = []
    for trak in atoms[b"moov"].findall(b"trak"):
        ok, data = trak[b"mdia", b"hdlr"].read(fileobj)
        handlers.append(data[8:12] if ok else b"")
    return bool(handlers) and all(h == b"soun" for h in handlers)


def _detect(content: bytes):
    """The mutagen file of an accepted format, or ``AudioRefused`` (not audio / another format)."""
    try:
        found = mutagen.File(io.BytesIO(content), options=[MP3, WAVE, MP4])
    except _DECODE_ERRORS:
        found = None
    if found is not None:
        return found
    try:
        other = mutagen.File(io.BytesIO(content))
    except _DECODE_ERRORS:
        other = None
    if other is not None:
        raise AudioRefused(
            _("This is %(kind)s audio, which is not accepted; upload %(accepted)s.")
            % {"kind": type(other).__name__, "accepted": ACCEPTED},
            code="audio_format",
            details=[{"field": "audio", "detected": type(other).__name__}],
        )
    raise AudioRefused(
        _("This file is not audio (its content is not MP3, WAV or M4A, whatever its name says)."),
        code="audio_not_audio",
        details=[{"field": "audio"}],
    )


def audio_check(content: bytes) -> Audio:
    """Decode ``content`` and return what it is, or raise ``AudioRefused`` with the reason.

    Refused: empty; larger than ``CAMPAIGN_CLIP_MAX_BYTES``; not audio; audio of another format (FLAC, Ogg,
    ...) or an MP4 with video; no measurable duration; longer than ``CAMPAIGN_CLIP_MAX_S``.
    """
    if not content:
        raise AudioRefused(_("The audio file is empty."), code="audio_empty", details=[{"field": "audio"}])
    if len(content) > settings.CAMPAIGN_CLIP_MAX_BYTES:
        raise _too_large(len(content))
    found = _detect(content)
    if isinstance(found, MP3):
        audio_format = "mp3"
    elif isinstance(found, WAVE):
        audio_format = "wav"
    else:
        codec = str(getattr(found.info, "codec", "") or "")
        try:
            audio_only = _m4a_is_audio_only(content)
        except _DECODE_ERRORS:
            audio_only = False
        if not (codec.startswith("mp4a") or codec == "alac") or not audio_only:
            raise AudioRefused(
                _("This MP4 file is not an audio-only M4A (AAC or ALAC); upload %(accepted)s.")
                % {"accepted": ACCEPTED},
                code="audio_format",
                details=[{"field": "audio", "detected": codec or "mp4"}],
            )
        audio_format = "m4a"
    duration_s = float(getattr(found.info, "length", 0.0) or 0.0)
    if not math.isfinite(duration_s) or duration_s < 0.1:
        raise AudioRefused(
            _("The recording has no measurable length; it may be damaged."),
            code="audio_not_audio",
            details=[{"field": "audio"}],
        )
    limit = settings.CAMPAIGN_CLIP_MAX_S
    if duration_s > limit:
        raise AudioRefused(
            _("The recording is %(length)s long; a clip may be at most %(limit)s.")
            % {"length": duration_text(duration_s), "limit": duration_text(limit)},
            code="audio_too_long",
            details=[{"field": "audio", "duration_s": round(duration_s, 1), "max_s": limit}],
        )
    return Audio(content=content, audio_format=audio_format, duration_s=round(duration_s, 3))


def duration_text(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss``) for a length in seconds."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def tone_wav(*, seconds: float, frequency_hz: float = 440.0, rate_hz: int = 8000, volume: float = 0.3) -> bytes:
    """A mono 16-bit PCM WAV of a sine tone (sample clips and tests), faded in and out over 50 ms."""
    frames = max(1, int(seconds * rate_hz))
    fade = max(1, int(0.05 * rate_hz))
    samples = bytearray()
    for i in range(frames):
        envelope = min(1.0, i / fade, (frames - 1 - i) / fade) if frames > 2 * fade else 1.0
        value = int(32767 * volume * envelope * math.sin(2 * math.pi * frequency_hz * i / rate_hz))
        samples += struct.pack("<h", value)
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate_hz)
        writer.writeframes(bytes(samples))
    return out.getvalue()
