"""Photos users upload: only real images, re-encoded as JPEG without any metadata.

A phone photo carries EXIF (often the GPS position of whoever took it) and may be rotated only by an
EXIF tag. ``jpeg_reencode`` decodes with Pillow whatever the file's name or declared type says, turns
the image upright, copies its pixels into a fresh image (so no EXIF, XMP, ICC profile, comment or
thumbnail survives), scales it down and saves it as JPEG. Used by incident photos and by the
attachments of drills, plans and activities.
"""

from __future__ import annotations

import io
import math
import threading
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import ExifTags, Image

# Formats a phone or a camera produces; anything else (TIFF, PSD, SVG...) is refused.
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
JPEG_QUALITY = 85
# A 48-megapixel phone sensor is ~48 M pixels; more than this is a decompression bomb or not a photo.
DEFAULT_MAX_PIXELS = 64_000_000
# Pixels held in memory for one decode: a 32-megapixel RGB(A) image (Pillow keeps 4 bytes a pixel).
DEFAULT_MAX_DECODED_BYTES = 128 * 1024 * 1024


class ImageRefused(ValueError):
    """The content is not an acceptable photo; ``message`` says why (translated, without the file name)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Jpeg:
    content: bytes
    width: int
    height: int


def declared_pixels(content: bytes) -> int:
    """Width × height as the file's header declares them (nothing decoded); 0 when it is not an image."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            width, height = image.size
    except (OSError, SyntaxError, ValueError, TypeError, EOFError, Image.DecompressionBombError):
        return 0
    return width * height


def _bytes_per_pixel(mode: str) -> int:
    """What Pillow holds in memory per pixel for ``mode`` (multi-band images take 4 bytes a pixel)."""
    if Image.getmodebands(mode) > 1 or mode in ("I", "F"):
        return 4
    return 2 if mode.startswith("I;16") else 1


def _decode_slots() -> threading.BoundedSemaphore:
    global _slots
    if _slots is None:
        _slots = threading.BoundedSemaphore(getattr(settings, "IMAGE_DECODE_CONCURRENCY", 2))
    return _slots


_slots: threading.BoundedSemaphore | None = None

# EXIF orientation -> the turn that makes the image upright (as ImageOps.exif_transpose does).
_ORIENTATION_TURNS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def jpeg_reencode(
    content: bytes,
    *,
    max_side_px: int,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_decoded_bytes: int | None = None,
) -> Jpeg:
    """Decode, turn upright (EXIF orientation), drop all metadata, scale down, encode as JPEG.

    Memory is bounded before any pixel is decoded: the header's size must be within ``max_pixels``; a
    JPEG is decoded by libjpeg at the smallest scale (1/2, 1/4, 1/8) still at least the output size;
    what is then decoded must fit ``max_decoded_bytes`` (``IMAGE_DECODE_MAX_BYTES``), so a PNG, which
    cannot be decoded at a reduced scale, is refused above about 32 megapixels instead of taking a
    gigabyte. The image is shrunk in place first and copied only at its final size, and at most
    ``IMAGE_DECODE_CONCURRENCY`` images are decoded at once in a process, whatever the number of requests.
    """
    if max_decoded_bytes is None:
        max_decoded_bytes = getattr(settings, "IMAGE_DECODE_MAX_BYTES", DEFAULT_MAX_DECODED_BYTES)
    with _decode_slots():
        return _reencode(content, max_side_px=max_side_px, max_pixels=max_pixels, max_decoded_bytes=max_decoded_bytes)


def _reencode(content: bytes, *, max_side_px: int, max_pixels: int, max_decoded_bytes: int) -> Jpeg:
    not_image = _("the file is not an image (or it is damaged); send a JPEG, PNG or WebP photo.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content))
            if image.format not in ACCEPTED_FORMATS:
                raise ImageRefused(
                    _("%(format)s images are not accepted; send a JPEG, PNG or WebP photo.") % {"format": image.format}
                )
            width, height = image.size
            if width * height > max_pixels:
                raise ImageRefused(
                    _("the image is %(w)d × %(h)d pixels; at most %(mp)d megapixels are accepted.")
                    % {"w": width, "h": height, "mp": max_pixels // 1_000_000}
                )
            if image.format in ("JPEG", "MPO") and max(width, height) > max_side_px:
                # libjpeg decodes at a reduced scale, never below the size the photo is shrunk to.
                scale = max_side_px / max(width, height)
                image.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))
            decoded_width, decoded_height = image.size
            if decoded_width * decoded_height * _bytes_per_pixel(image.mode) > max_decoded_bytes:
                raise ImageRefused(
                    _(
                        "the image is %(w)d × %(h)d pixels, too large to open as %(format)s; "
                        "send it as a JPEG photo or make it smaller."
                    )
                    % {"w": width, "h": height, "format": image.format}
                )
            image.load()
            orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
            image.thumbnail((max_side_px, max_side_px), Image.Resampling.LANCZOS)  # in place
            turn = _ORIENTATION_TURNS.get(orientation)
            upright = image.transpose(turn) if turn is not None else image
    except ImageRefused:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ImageRefused(_("the image has too many pixels to be opened safely.")) from None
    except (OSError, SyntaxError, ValueError, TypeError, EOFError, Image.UnidentifiedImageError):
        raise ImageRefused(not_image) from None
    if upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info):
        rgba = upright.convert("RGBA")
        clean = Image.new("RGB", rgba.size, (255, 255, 255))
        clean.paste(rgba, mask=rgba.getchannel("A"))
    else:
        clean = Image.new("RGB", upright.size)
        clean.paste(upright.convert("RGB"))
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return Jpeg(out.getvalue(), clean.width, clean.height)
