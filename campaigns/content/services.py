"""Broadcast clips and playlists: every write, checked, atomic and audited.

A clip moves draft -> submitted (``clip_submit``) -> approved (``clip_approve``) or returned with a reason
(``clip_return``); a returned clip is edited and submitted again. Any edit of what is broadcast (title,
theme, script or the recording: ``clip_update``) puts the clip back to draft with the next version number,
so a changed approved clip needs approval again. A transition from the wrong status is ``ClipStatusConflict``
(409, with the current status). Recordings are checked by ``campaigns.content.audio`` and kept in the
default storage under a generated name (never the uploader's), with their SHA-256.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from campaigns.content.audio import Audio, audio_check, audio_read
from campaigns.models import Campaign, Clip, Playlist, PlaylistItem, Theme
from common.audit import audit_record, snapshot
from common.errors import Conflict, NotAllowed
from common.roles import Capability, can

CLIP_AUDITED = [
    "title",
    "theme",
    "script",
    "audio",
    "audio_format",
    "duration_s",
    "size_bytes",
    "sha256",
    "status",
    "return_reason",
    "version",
]
# The fields whose change makes a new version (what is broadcast).
CLIP_CONTENT = ("title", "theme", "script")
PLAYLIST_MAX_ITEMS = 100


class ClipStatusConflict(Conflict):
    """The clip is not in a status that allows this step; ``details`` carry the current status."""

    code = "clip_status"


def _clip_state(clip: Clip) -> dict:
    state = snapshot(clip, fields=CLIP_AUDITED)
    state["audio"] = clip.audio.name or ""
    return state


def _require(actor, capability: Capability, what: str) -> None:
    if not can(actor, capability):
        raise NotAllowed(_("You may not %(what)s.") % {"what": what})


def _wrong_status(clip: Clip, step: str, allowed: Sequence[str]) -> ClipStatusConflict:
    labels = dict(Clip.Status.choices)
    return ClipStatusConflict(
        _("“%(clip)s” cannot be %(step)s: it is %(status)s (only a clip that is %(allowed)s can be).")
        % {
            "clip": clip.title,
            "step": step,
            "status": labels[clip.status],
            "allowed": _(" or ").join(str(labels[s]) for s in allowed),
        },
        details=[{"field": "status", "status": clip.status, "allowed": list(allowed)}],
    )


def _locked(clip: Clip) -> Clip:
    return Clip.objects.select_for_update().get(pk=clip.pk)


def _content_errors(*, title: str, theme: str, script: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("Give the clip a title.")]
    elif len(title.strip()) > 120:
        errors["title"] = [_("The title is %(n)d characters; at most 120.") % {"n": len(title.strip())}]
    if theme not in Theme.values:
        errors["theme"] = [
            _("“%(theme)s” is not a theme; choose one of %(themes)s.")
            % {"theme": theme, "themes": ", ".join(Theme.values)}
        ]
    if not script.strip():
        errors["script"] = [_("Give the script: the text the recording reads, word for word.")]
    return errors


def clip_audio_check(upload) -> Audio:
    """Read an uploaded file (size first) and check it is an accepted recording (``AudioRefused`` if not)."""
    if isinstance(upload, bytes):
        return audio_check(upload)
    return audio_check(audio_read(upload))


def _store_audio(clip: Clip, audio: Audio) -> None:
    """Write the recording under a generated name and fill the clip's audio fields (not saved yet)."""
    clip.audio.save(f"{uuid.uuid4().hex}.{audio.audio_format}", ContentFile(audio.content), save=False)
    clip.audio_format = audio.audio_format
    clip.duration_s = audio.duration_s
    clip.size_bytes = audio.size_bytes
    clip.sha256 = audio.sha256


def _delete_file_later(name: str) -> None:
    """Remove a stored recording once the transaction that replaced it has committed."""
    if not name:
        return
    storage = Clip._meta.get_field("audio").storage
    transaction.on_commit(lambda: storage.delete(name))


@contextmanager
def _removed_on_error(clip: Clip, stored: str):
    """Whatever fails after a recording was stored removes the file again, so nothing is left half written.

    (A rollback of an outer transaction after the service returned can still leave the file behind: unused,
    under a random name, never served.)"""
    try:
        yield
    except BaseException:
        if stored:
            clip.audio.storage.delete(stored)
        raise


@transaction.atomic
def clip_create(*, title: str, theme: str, script: str, audio, actor, is_sample: bool = False) -> Clip:
    """A new draft clip from an uploaded recording (a Django upload or bytes).

    Raises ``NotAllowed`` (no EDIT_CLIPS), ``ValidationError`` (field -> messages) or ``AudioRefused``; on any
    error nothing is stored.
    """
    _require(actor, Capability.EDIT_CLIPS, _("upload broadcast clips"))
    title, script = (title or "").strip(), (script or "").strip()
    errors = _content_errors(title=title, theme=theme or "", script=script)
    if audio is None:
        errors["audio"] = [_("Choose the recording (MP3, WAV or M4A).")]
    if errors:
        raise ValidationError(errors)
    checked = clip_audio_check(audio)
    clip = Clip(
        title=title,
        theme=theme,
        script=script,
        status=Clip.Status.DRAFT,
        version=1,
        created_by=actor if getattr(actor, "pk", None) else None,
        is_sample=is_sample,
    )
    _store_audio(clip, checked)
    with _removed_on_error(clip, clip.audio.name):
        clip.full_clean(exclude=["created_by", "reviewed_by"])
        clip.save()
        audit_record(actor=actor, action="clip.create", obj=clip, after=_clip_state(clip))
    return clip


@transaction.atomic
def clip_update(
    *,
    clip: Clip,
    actor,
    title: str | None = None,
    theme: str | None = None,
    script: str | None = None,
    audio=None,
) -> Clip:
    """Change what the clip broadcasts (``None``: unchanged); a real change makes it a draft, version + 1.

    A submitted clip is withdrawn from review, an approved one needs approval again. Nothing changed:
    nothing is written. Raises ``NotAllowed``, ``ValidationError`` or ``AudioRefused``.
    """
    _require(actor, Capability.EDIT_CLIPS, _("edit broadcast clips"))
    checked = clip_audio_check(audio) if audio is not None else None
    clip = _locked(clip)
    new = {
        "title": clip.title if title is None else title.strip(),
        "theme": clip.theme if theme is None else theme,
        "script": clip.script if script is None else script.strip(),
    }
    errors = _content_errors(**new)
    if errors:
        raise ValidationError(errors)
    changed = [name for name in CLIP_CONTENT if getattr(clip, name) != new[name]]
    if checked is not None and checked.sha256 != clip.sha256:
        changed.append("audio")
    if not changed:
        return clip
    before = _clip_state(clip)
    old_file = clip.audio.name
    for name in CLIP_CONTENT:
        setattr(clip, name, new[name])
    stored = ""
    if "audio" in changed:
        _store_audio(clip, checked)
        stored = clip.audio.name
    was = clip.status
    clip.status = Clip.Status.DRAFT
    clip.version += 1
    clip.submitted_at = None
    clip.reviewed_by = None
    clip.reviewed_at = None
    with _removed_on_error(clip, stored):
        clip.full_clean(exclude=["created_by", "reviewed_by"])
        clip.save()
        audit_record(
            actor=actor,
            action="clip.update",
            obj=clip,
            before=before,
            after=_clip_state(clip),
            reason=_("Changed %(fields)s; was %(status)s, now a draft again (version %(version)d).")
            % {"fields": ", ".join(changed), "status": was, "version": clip.version},
        )
    if stored:
        _delete_file_later(old_file)
    return clip


@transaction.atomic
def clip_submit(*, clip: Clip, actor) -> Clip:
    """Send a draft or returned clip to the publicity office for approval."""
    _require(actor, Capability.EDIT_CLIPS, _("submit clips for approval"))
    clip = _locked(clip)
    allowed = (Clip.Status.DRAFT, Clip.Status.RETURNED)
    if clip.status not in allowed:
        raise _wrong_status(clip, pgettext("clip step", "submitted"), allowed)
    before = _clip_state(clip)
    clip.status = Clip.Status.SUBMITTED
    clip.submitted_at = timezone.now()
    clip.return_reason = ""
    clip.save(update_fields=["status", "submitted_at", "return_reason", "updated_at"])
    audit_record(actor=actor, action="clip.submit", obj=clip, before=before, after=_clip_state(clip))
    return clip


@transaction.atomic
def clip_approve(*, clip: Clip, actor) -> Clip:
    """Approve a submitted clip for broadcast (APPROVE_CLIPS); records who and when."""
    _require(actor, Capability.APPROVE_CLIPS, _("approve clips"))
    clip = _locked(clip)
    if clip.status != Clip.Status.SUBMITTED:
        raise _wrong_status(clip, pgettext("clip step", "approved"), (Clip.Status.SUBMITTED,))
    before = _clip_state(clip)
    clip.status = Clip.Status.APPROVED
    clip.reviewed_by = actor if getattr(actor, "pk", None) else None
    clip.reviewed_at = timezone.now()
    clip.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])
    audit_record(actor=actor, action="clip.approve", obj=clip, before=before, after=_clip_state(clip))
    return clip


@transaction.atomic
def clip_return(*, clip: Clip, reason: str, actor) -> Clip:
    """Return a submitted clip to its editors with the reason (required)."""
    _require(actor, Capability.APPROVE_CLIPS, _("return clips"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the clip is returned, so its editors can fix it.")]})
    clip = _locked(clip)
    if clip.status != Clip.Status.SUBMITTED:
        raise _wrong_status(clip, pgettext("clip step", "returned"), (Clip.Status.SUBMITTED,))
    before = _clip_state(clip)
    clip.status = Clip.Status.RETURNED
    clip.return_reason = reason
    clip.reviewed_by = actor if getattr(actor, "pk", None) else None
    clip.reviewed_at = timezone.now()
    clip.save(update_fields=["status", "return_reason", "reviewed_by", "reviewed_at", "updated_at"])
    audit_record(actor=actor, action="clip.return", obj=clip, before=before, after=_clip_state(clip), reason=reason)
    return clip


# --- playlists -----------------------------------------------------------------------------------


def _playlist_state(playlist: Playlist) -> dict:
    items = playlist.items.order_by("position").values_list("position", "clip_id")
    return {"name": playlist.name, "clips": [clip_id for _position, clip_id in items]}


def _check_playlist(*, name: str, clips: Sequence[int], playlist: Playlist | None) -> list[Clip]:
    """The clips in order, or ``ValidationError`` naming the field (and the row of a clip)."""
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the playlist a name.")]
    elif len(name) > 120:
        errors["name"] = [_("The name is %(n)d characters; at most 120.") % {"n": len(name)}]
    elif Playlist.objects.filter(name=name).exclude(pk=getattr(playlist, "pk", None)).exists():
        errors["name"] = [_("Another playlist is already called “%(name)s”.") % {"name": name}]
    if len(clips) > PLAYLIST_MAX_ITEMS:
        errors["clips"] = [
            _("%(n)d clips were given; a playlist holds at most %(most)d.")
            % {"n": len(clips), "most": PLAYLIST_MAX_ITEMS}
        ]
        raise ValidationError(errors)
    found = Clip.objects.in_bulk(list(clips))
    missing = [
        _("Position %(position)d: there is no clip %(id)s.") % {"position": position, "id": clip_id}
        for position, clip_id in enumerate(clips, start=1)
        if clip_id not in found
    ]
    if missing:
        errors["clips"] = missing
    if errors:
        raise ValidationError(errors)
    return [found[clip_id] for clip_id in clips]


def _write_items(playlist: Playlist, clips: list[Clip]) -> None:
    playlist.items.all().delete()
    PlaylistItem.objects.bulk_create(
        [PlaylistItem(playlist=playlist, clip=clip, position=position) for position, clip in enumerate(clips, start=1)]
    )


@transaction.atomic
def playlist_create(*, name: str, clips: Sequence[int], actor, is_sample: bool = False) -> Playlist:
    """A playlist of the clips in order (ids; positions 1..n). Clips not yet approved may be included
    while it is being put together: ``campaigns.content.selectors.playlist_ready`` says when it may be
    broadcast."""
    _require(actor, Capability.EDIT_CLIPS, _("make playlists"))
    name = (name or "").strip()
    ordered = _check_playlist(name=name, clips=list(clips), playlist=None)
    playlist = Playlist(name=name, created_by=actor if getattr(actor, "pk", None) else None, is_sample=is_sample)
    try:
        with transaction.atomic():
            playlist.save()
    except IntegrityError:
        raise ValidationError(
            {"name": [_("Another playlist is already called “%(name)s”.") % {"name": name}]}
        ) from None
    _write_items(playlist, ordered)
    audit_record(actor=actor, action="playlist.create", obj=playlist, after=_playlist_state(playlist))
    return playlist


@transaction.atomic
def playlist_update(
    *, playlist: Playlist, actor, name: str | None = None, clips: Sequence[int] | None = None
) -> Playlist:
    """Rename the playlist and/or replace its clips with ``clips`` in order (add, remove, reorder)."""
    _require(actor, Capability.EDIT_CLIPS, _("edit playlists"))
    playlist = Playlist.objects.select_for_update().get(pk=playlist.pk)
    before = _playlist_state(playlist)
    name = playlist.name if name is None else name.strip()
    clips = before["clips"] if clips is None else list(clips)
    ordered = _check_playlist(name=name, clips=clips, playlist=playlist)
    if name == before["name"] and clips == before["clips"]:
        return playlist
    if name != playlist.name:
        playlist.name = name
        try:
            with transaction.atomic():
                playlist.save(update_fields=["name"])
        except IntegrityError:
            raise ValidationError(
                {"name": [_("Another playlist is already called “%(name)s”.") % {"name": name}]}
            ) from None
    if clips != before["clips"]:
        _write_items(playlist, ordered)
    audit_record(actor=actor, action="playlist.update", obj=playlist, before=before, after=_playlist_state(playlist))
    return playlist


@transaction.atomic
def playlist_delete(*, playlist: Playlist, actor) -> None:
    """Delete a playlist no campaign broadcasts (``Conflict`` naming the campaigns otherwise)."""
    _require(actor, Capability.EDIT_CLIPS, _("delete playlists"))
    playlist = Playlist.objects.select_for_update().get(pk=playlist.pk)
    used = list(Campaign.objects.filter(playlist=playlist).values_list("name", flat=True)[:5])
    if used:
        raise Conflict(
            _("“%(playlist)s” is the playlist of %(campaigns)s; choose another playlist there first.")
            % {"playlist": playlist.name, "campaigns": ", ".join(used)},
            code="playlist_in_use",
            details=[{"campaigns": used}],
        )
    before = _playlist_state(playlist)
    audit_record(actor=actor, action="playlist.delete", obj=playlist, before=before)
    playlist.delete()
