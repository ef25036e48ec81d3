"""Incident photos: only real images, re-encoded as JPEG without metadata, size and pixel limits.

A phone photo carries EXIF (often the GPS position of whoever took it) and may be rotated only by an
EXIF tag. Every upload is decoded with Pillow, turned upright, copied into a fresh image (so no EXIF,
XMP, ICC or comment survives), scaled down to ``INCIDENT_PHOTO_MAX_SIDE_PX`` and saved as JPEG.
Whatever the file's name or declared content type, content Pillow cannot decode as an image is refused.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

# Formats a phone or a camera produces; anything else (TIFF, PSD, SVG...) is refused.
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
JPEG_QUALITY = 85
# A 48-megapixel phone sensor is ~48 M pixels; more than this is a decompression bomb or not a photo.
DEFAULT_MAX_PIXELS = 64_000_000


@dataclass(frozen=True)
class PhotoUpload:
    """One uploaded file as received: its name (for messages) and its raw bytes."""

    name: str
    content: bytes

    @property
    def digest(self) -> str:
        """SHA-256 of the raw bytes: what the idempotency fingerprint compares."""
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class ProcessedPhoto:
    original_name: str
    jpeg: bytes
    width: int
    height: int


def max_pixels() -> int:
    return int(getattr(settings, "INCIDENT_PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS))


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def photo_uploads_from_files(files: Iterable) -> list[PhotoUpload]:
    """Read Django ``UploadedFile``s, refusing an oversized one before reading it into memory."""
    limit = settings.INCIDENT_PHOTO_MAX_BYTES
    uploads = []
    for file in files:
        name = (getattr(file, "name", "") or "photo")[:200]
        size = getattr(file, "size", None)
        if size is not None and size > limit:
            raise ValidationError(
                {"photos": _("%(name)s is %(size)s; a photo may be at most %(limit)s.")
                 % {"name": name, "size": _mb(size), "limit": _mb(limit)}}
            )  # fmt: skip
        uploads.append(PhotoUpload(name=name, content=file.read()))
    return uploads


def photos_check(uploads: Sequence[PhotoUpload]) -> None:
    """Count and size limits, before anything is decoded."""
    most = settings.INCIDENT_PHOTOS_MAX
    if len(uploads) > most:
        raise ValidationError(
            {"photos": _("%(count)d photos were sent; a report may have at most %(most)d.")
             % {"count": len(uploads), "most": most}}
        )  # fmt: skip
    limit = settings.INCIDENT_PHOTO_MAX_BYTES
    for upload in uploads:
        if len(upload.content) > limit:
            raise ValidationError(
                {"photos": _("%(name)s is %(size)s; a photo may be at most %(limit)s.")
                 % {"name": upload.name, "size": _mb(len(upload.content)), "limit": _mb(limit)}}
            )  # fmt: skip
        if not upload.content:
            raise ValidationError({"photos": _("%(name)s is empty.") % {"name": upload.name}})


def _refuse(upload: PhotoUpload, message: str) -> ValidationError:
    return ValidationError({"photos": f"{upload.name}: {message}"})


def photo_process(upload: PhotoUpload) -> ProcessedPhoto:
    """Decode, turn upright (EXIF orientation), drop all metadata, scale down, encode as JPEG."""
    side = settings.INCIDENT_PHOTO_MAX_SIDE_PX
    not_image = _("the file is not an image (or it is damaged); send a JPEG, PNG or WebP photo.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(upload.content))
            if image.format not in ACCEPTED_FORMATS:
                raise _refuse(
                    upload,
                    _("%(format)s images are not accepted; send a JPEG, PNG or WebP photo.") % {"format": image.format},
                )
            width, height = image.size
            if width * height > max_pixels():
                raise _refuse(
                    upload,
                    _("the image is %(w)d × %(h)d pixels; at most %(mp)d megapixels are accepted.")
                    % {"w": width, "h": height, "mp": max_pixels() // 1_000_000},
                )
            if image.format in ("JPEG", "MPO"):
                # Let libjpeg decode at a reduced scale: a 48 MP photo is not fully decoded to be shrunk.
                image.draft("RGB", (side, side))
            image.load()
            upright = ImageOps.exif_transpose(image)
    except ValidationError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _refuse(upload, _("the image has too many pixels to be opened safely.")) from None
    except (OSError, SyntaxError, ValueError, TypeError, EOFError, Image.UnidentifiedImageError):
        raise _refuse(upload, not_image) from None
    if upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info):
        rgba = upright.convert("RGBA")
        clean = Image.new("RGB", rgba.size, (255, 255, 255))
        clean.paste(rgba, mask=rgba.getchannel("A"))
    else:
        # A fresh image holds only pixels: no EXIF (GPS), XMP, ICC profile, comment or thumbnail.
        clean = Image.new("RGB", upright.size)
        clean.paste(upright.convert("RGB"))
    clean.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return ProcessedPhoto(original_name=upload.name, jpeg=out.getvalue(), width=clean.width, height=clean.height)


def photos_process(uploads: Sequence[PhotoUpload]) -> list[ProcessedPhoto]:
    photos_check(uploads)
    return [photo_process(upload) for upload in uploads]
