"""Incident photos: only real images, re-encoded as JPEG without metadata, size and pixel limits.

Every upload goes through ``common.images.jpeg_reencode`` (upright, no EXIF/GPS or other metadata,
scaled to ``INCIDENT_PHOTO_MAX_SIDE_PX``); content Pillow cannot decode as an image is refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _

from common.images import ImageRefused, declared_pixels, jpeg_reencode
from incidents.models import IncidentPhoto
from incidents.selectors import incidents_visible


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
    return settings.INCIDENT_PHOTO_MAX_PIXELS


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
    # Pixels decoded per request, whatever each photo's own size: bounds the work one report can ask.
    total = sum(declared_pixels(upload.content) for upload in uploads)
    most_pixels = settings.INCIDENT_PHOTOS_MAX_PIXELS_TOTAL
    if total > most_pixels:
        raise ValidationError(
            {"photos": _("the photos hold %(total)d megapixels together; a report may have at most %(most)d.")
             % {"total": total // 1_000_000, "most": most_pixels // 1_000_000}}
        )  # fmt: skip


def _refuse(upload: PhotoUpload, message: str) -> ValidationError:
    return ValidationError({"photos": f"{upload.name}: {message}"})


def photo_process(upload: PhotoUpload) -> ProcessedPhoto:
    """Decode, turn upright, drop all metadata, scale down, encode as JPEG (``common.images``)."""
    try:
        jpeg = jpeg_reencode(upload.content, max_side_px=settings.INCIDENT_PHOTO_MAX_SIDE_PX, max_pixels=max_pixels())
    except ImageRefused as exc:
        raise _refuse(upload, exc.message) from None
    return ProcessedPhoto(original_name=upload.name, jpeg=jpeg.content, width=jpeg.width, height=jpeg.height)


def photos_process(uploads: Sequence[PhotoUpload]) -> list[ProcessedPhoto]:
    photos_check(uploads)
    return [photo_process(upload) for upload in uploads]


def visible_photo(user, pk: int) -> IncidentPhoto:
    """Photo ``pk`` of a report ``user`` may see; 404 otherwise (the photo page and the API alike)."""
    photo = IncidentPhoto.objects.filter(pk=pk, incident__in=incidents_visible(user)).first()
    if photo is None:
        raise Http404
    return photo


def photo_response(photo: IncidentPhoto) -> HttpResponse:
    """The stored JPEG, never sniffed as anything else, kept out of shared caches."""
    response = HttpResponse(bytes(photo.image), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="incident-{photo.incident_id}-{photo.pk}.jpg"'
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
