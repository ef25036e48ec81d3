"""Uploaded photos and documents of drills, plan versions and activities (kept in ``Attachment`` rows).

Photos: decoded with Pillow whatever their name says, turned upright, copied into a fresh image (no EXIF/GPS,
XMP, ICC or comment survives), scaled to at most ``PHOTO_MAX_SIDE_PX`` and stored as JPEG.
Documents: only PDF, DOCX, XLSX and plain UTF-8 text, recognised by their content (magic bytes), never by
the name or the declared content type. Every file is at most ``settings.UPLOAD_MAX_BYTES``.

``attachment_from_upload`` returns an unsaved ``Attachment``: the caller sets its owner (drill, plan version
or activity) and saves it inside its own transaction. ``attachment_response`` serves one back.
"""

from __future__ import annotations

import io
import zipfile

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _

from common.errors import DomainError
from common.images import ImageRefused, jpeg_reencode
from drills.models import Attachment

PHOTO_MAX_SIDE_PX = 2048

DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "txt": "text/plain; charset=utf-8",
}


class UploadRefused(DomainError):
    code = "upload_refused"


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _refuse(name: str, message: str) -> UploadRefused:
    return UploadRefused(f"{name}: {message}")


def _read(upload) -> tuple[str, bytes]:
    name = (getattr(upload, "name", "") or "file").replace("/", "_").replace("\\", "_")[-150:]
    limit = settings.UPLOAD_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _refuse(name, _("the file is %(size)s; at most %(limit)s.") % {"size": _mb(size), "limit": _mb(limit)})
    content = upload.read()
    if len(content) > limit:
        raise _refuse(
            name, _("the file is %(size)s; at most %(limit)s.") % {"size": _mb(len(content)), "limit": _mb(limit)}
        )
    if not content:
        raise _refuse(name, _("the file is empty."))
    return name, content


def photo_to_jpeg(name: str, content: bytes) -> bytes:
    """Decode, turn upright, drop all metadata, scale down, encode as JPEG; refuse what is not a photo."""
    try:
        return jpeg_reencode(content, max_side_px=PHOTO_MAX_SIDE_PX).content
    except ImageRefused as exc:
        raise _refuse(name, exc.message) from None


def _zip_member_names(content: bytes) -> set[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return set()


def document_kind(content: bytes) -> str | None:
    """``pdf``, ``docx``, ``xlsx`` or ``txt`` from the bytes themselves, or None when not accepted."""
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"PK\x03\x04"):
        names = _zip_member_names(content)
        if "[Content_Types].xml" in names:
            if any(n.startswith("word/") for n in names):
                return "docx"
            if any(n.startswith("xl/") for n in names):
                return "xlsx"
        return None
    if b"\x00" in content:
        return None
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "txt"


def _document_name(name: str, kind: str) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return f"{stem or 'document'}.{kind}"


def attachment_from_upload(*, upload, kind: str, actor) -> Attachment:
    """An unsaved ``Attachment`` from an uploaded file, or ``UploadRefused`` naming the file and why.

    ``kind`` is ``Attachment.Kind.PHOTO`` (re-encoded as JPEG, metadata stripped) or ``DOCUMENT`` (PDF, DOCX,
    XLSX or UTF-8 text, recognised by content; stored as sent, named with the extension of what it is).
    """
    name, content = _read(upload)
    if kind == Attachment.Kind.PHOTO:
        jpeg = photo_to_jpeg(name, content)
        stem = name.rsplit(".", 1)[0] if "." in name else name
        return Attachment(
            kind=kind,
            name=f"{stem or 'photo'}.jpg"[:200],
            content_type="image/jpeg",
            size_bytes=len(jpeg),
            content=jpeg,
            uploaded_by=actor if getattr(actor, "pk", None) else None,
        )
    if kind == Attachment.Kind.DOCUMENT:
        detected = document_kind(content)
        if detected is None:
            raise _refuse(name, _("only PDF, Word (DOCX), Excel (XLSX) or plain text documents are accepted."))
        return Attachment(
            kind=kind,
            name=_document_name(name, detected)[:200],
            content_type=DOCUMENT_TYPES[detected],
            size_bytes=len(content),
            content=content,
            uploaded_by=actor if getattr(actor, "pk", None) else None,
        )
    raise _refuse(name, _("unknown attachment kind %(kind)s.") % {"kind": kind})


def attachment_response(attachment: Attachment) -> HttpResponse:
    """The stored file with its content type; documents as downloads, never sniffed as anything else."""
    response = HttpResponse(bytes(attachment.content), content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    safe_name = attachment.name.encode("ascii", "replace").decode().replace('"', "_")
    disposition = "inline" if attachment.kind == Attachment.Kind.PHOTO else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{safe_name}"'
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def attachment_school_id(attachment: Attachment) -> int | None:
    """The school an attachment belongs to, through its drill, plan version or activity."""
    if attachment.drill_id:
        return attachment.drill.school_id
    if attachment.plan_version_id:
        return attachment.plan_version.plan.school_id
    if attachment.activity_id:
        return attachment.activity.school_id
    return None
