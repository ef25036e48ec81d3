"""The stored recording of a clip as an HTTP response, for the clip page and the API alike."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from campaigns.content.audio import CONTENT_TYPES
from campaigns.models import Clip


def clip_audio_response(clip: Clip) -> FileResponse:
    """The stored recording, with the content type of what it was decoded as; never sniffed as anything else."""
    try:
        handle = clip.audio.storage.open(clip.audio.name, "rb")
    except (FileNotFoundError, ValueError):
        raise Http404(_("The recording of this clip is missing.")) from None
    response = FileResponse(handle, content_type=CONTENT_TYPES.get(clip.audio_format, "application/octet-stream"))
    response["Content-Disposition"] = f'inline; filename="clip-{clip.pk}-v{clip.version}.{clip.audio_format}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=300"
    return response
