"""Live video of a drone (a media server's URL: HLS, WebRTC/WHEP, HTTP-FLV) and snapshots of it in a flight's log.

The browser plays the video itself (``static/js/video_player.js``), so a URL must be one the page may load:
http or https, on an origin listed in ``DRONE_VIDEO_ORIGINS`` (the Content-Security-Policy's media-src and
connect-src), with no user name or password in it (every viewer of the page would see them).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class VideoKind(models.TextChoices):
    AUTO = "auto", _("Detect from the URL")
    HLS = "hls", _("HLS (.m3u8)")
    WHEP = "whep", _("WebRTC (WHEP endpoint)")
    FLV = "flv", _("HTTP-FLV (.flv)")


def video_origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, as the CSP names origins."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}".lower()


def detect_video_kind(url: str) -> str | None:
    """The kind a URL's path says: ``.m3u8`` HLS, ``.flv`` HTTP-FLV, ``whep`` in the path WebRTC; else None."""
    path = urlsplit(url).path.lower()
    if path.endswith(".m3u8"):
        return VideoKind.HLS
    if path.endswith(".flv"):
        return VideoKind.FLV
    if "whep" in path:  # MediaMTX .../<stream>/whep, SRS /rtc/v1/whep/?app=..&stream=..
        return VideoKind.WHEP
    return None


def validate_video_url(value: str) -> None:
    """http(s) with a host, no credentials; the origin check against the settings is ``video_url_problem``."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ValidationError(gettext("This is not a valid URL.")) from None
    if parts.scheme not in ("http", "https"):
        raise ValidationError(gettext("A video URL must start with http:// or https://."))
    if not parts.hostname:
        raise ValidationError(gettext("A video URL needs a host name."))
    if parts.username or parts.password:
        raise ValidationError(
            gettext("Leave the user name and password out of the video URL: everyone who opens the map would see them.")
        )


def video_url_problem(url: str, kind: str) -> dict[str, str]:
    """What keeps ``url`` (of ``kind``, ``auto`` to detect) from playing on the pages, keyed by field
    (``video_url``, ``video_kind``); empty when it plays or there is no URL. The form and the API show these."""
    if not url:
        return {}
    try:
        validate_video_url(url)
    except ValidationError as exc:
        return {"video_url": exc.messages[0]}
    allowed = list(getattr(settings, "DRONE_VIDEO_ORIGINS", []))
    origin = video_origin(url)
    if origin not in allowed:
        return {
            "video_url": gettext(
                "The pages may load video only from the origins in the DRONE_VIDEO_ORIGINS setting "
                "(now: %(allowed)s); ask the administrator to add %(origin)s."
            )
            % {"allowed": ", ".join(allowed) or gettext("none"), "origin": origin}
        }
    if kind in ("", VideoKind.AUTO) and detect_video_kind(url) is None:
        return {
            "video_kind": gettext(
                "The kind of stream cannot be told from the URL (.m3u8, .flv or a WHEP endpoint): choose it."
            )
        }
    return {}


def resolved_video_kind(url: str, kind: str) -> str | None:
    """The kind the player uses: the chosen one, else the detected one; None without a URL."""
    if not url:
        return None
    if kind and kind != VideoKind.AUTO:
        return kind
    return detect_video_kind(url)


class FlightSnapshot(models.Model):
    """A frame of a flight's live video, taken by an operator on the flight page; re-encoded as JPEG without
    metadata and kept in the database (like incident photos), with the drone's position at that moment."""

    flight = models.ForeignKey(
        "drones.Flight", verbose_name=_("flight"), on_delete=models.CASCADE, related_name="snapshots"
    )
    taken_at = models.DateTimeField(_("taken at"), db_index=True)
    image = models.BinaryField(_("image"))
    content_type = models.CharField(_("content type"), max_length=32, default="image/jpeg")
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    size_bytes = models.PositiveIntegerField(_("size in bytes"))
    # WGS-84; the altitude above home. Null when no position of the drone was known near ``taken_at``.
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    alt_rel_m = models.FloatField(_("altitude above home (m)"), null=True, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("taken by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["taken_at", "id"]
        verbose_name = _("video snapshot")
        verbose_name_plural = _("video snapshots")

    def __str__(self) -> str:
        return f"{self.flight_id} snapshot {self.pk}"
