"""Photos users upload: only real images, re-encoded as JPEG without any metadata.

A phone photo carries EXIF (often the GPS position of whoever took it) and may be rotated only by an
EXIF tag. ``jpeg_reencode`` decodes with Pillow whatever the file's name or declared type says, turns
the image upright, copies its pixels into a fresh image (so no EXIF, XMP, ICC profile, comment or
thumbnail survives), scales it down and saves it as JPEG. Used by incident photos and by the
attachments of drills, plans and activities.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, ImageOps

# Formats a phone or a camera produces; anything else (TIFF, PSD, SVG...) is refused.
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
JPEG_QUALITY = 85
# A 48-megapixel phone sensor is ~48 M pixels; more than this is a decompression bomb or not a photo.
DEFAULT_MAX_PIXELS = 64_000_000


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


def jpeg_reencode(content: bytes, *, max_side_px: int, max_pixels: int = DEFAULT_MAX_PIXELS) -> Jpeg:
    """Decode, turn upright (EXIF orientation), drop all metadata, scale down, encode as JPEG."""
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
            if image.format in ("JPEG", "MPO"):
                # Let libjpeg decode at a reduced scale: a 48 MP photo is not fully decoded to be shrunk.
                image.draft("RGB", (max_side_px, max_side_px))
            image.load()
            upright = ImageOps.exif_transpose(image)
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
    clean.thumbnail((max_side_px, max_side_px), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return Jpeg(out.getvalue(), clean.width, clean.height)
