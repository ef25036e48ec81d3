"""Reads of broadcast clips and playlists: who sees them, their history, loop length and readiness.

Clips and playlists are the county's, seen by everyone with VIEW_CAMPAIGNS and nobody else.
``playlist_ready`` is what campaign planning asks before a playlist is broadcast.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from campaigns.models import Clip, Playlist, PlaylistItem
from common.models import AuditLogEntry
from common.roles import Capability, can


def clips_visible(user) -> QuerySet[Clip]:
    """Every clip for users with VIEW_CAMPAIGNS, none for anyone else."""
    qs = Clip.objects.select_related("created_by", "reviewed_by")
    return qs if can(user, Capability.VIEW_CAMPAIGNS) else qs.none()


def clip_filter(qs: QuerySet[Clip], *, theme: str = "", status: str = "", q: str = "") -> QuerySet[Clip]:
    """Clips of one theme and/or status (unknown values are ignored), titles containing ``q``."""
    from campaigns.models import Theme

    if theme in Theme.values:
        qs = qs.filter(theme=theme)
    if status in Clip.Status.values:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(title__icontains=q)
    return qs


def clip_history(clip: Clip) -> QuerySet[AuditLogEntry]:
    """The clip's audit entries (created, edited, submitted, approved, returned), oldest first."""
    return AuditLogEntry.objects.filter(object_type=clip._meta.label_lower, object_id=str(clip.pk)).order_by("at", "id")


@dataclass(frozen=True)
class ClipActions:
    """What a user may do to a clip now (the buttons a page shows)."""

    edit: bool
    submit: bool
    approve: bool
    give_back: bool


def clip_actions(user, clip: Clip) -> ClipActions:
    editor = can(user, Capability.EDIT_CLIPS)
    approver = can(user, Capability.APPROVE_CLIPS)
    submitted = clip.status == Clip.Status.SUBMITTED
    return ClipActions(
        edit=editor,
        submit=editor and clip.status in (Clip.Status.DRAFT, Clip.Status.RETURNED),
        approve=approver and submitted,
        give_back=approver and submitted,
    )


def clip_playlists(clip: Clip) -> QuerySet[Playlist]:
    return Playlist.objects.filter(items__clip=clip).distinct().order_by("name")


def playlists_visible(user) -> QuerySet[Playlist]:
    """Every playlist (its items and their clips prefetched, in order) for VIEW_CAMPAIGNS, else none."""
    qs = Playlist.objects.prefetch_related(
        Prefetch("items", queryset=PlaylistItem.objects.select_related("clip").order_by("position"))
    )
    return qs if can(user, Capability.VIEW_CAMPAIGNS) else qs.none()


def playlist_items(playlist: Playlist) -> list[PlaylistItem]:
    """The items in order of position, with their clips (uses the prefetch when there is one)."""
    return sorted(playlist.items.all(), key=lambda item: item.position)


def playlist_loop_s(playlist: Playlist) -> float:
    """One loop of the playlist: the sum of its clips' durations, in seconds."""
    return float(sum(item.clip.duration_s for item in playlist_items(playlist)))


def playlist_ready(playlist: Playlist) -> tuple[bool, list[str]]:
    """Whether the playlist may be broadcast: at least one clip and every clip approved.

    Returns ``(ready, problems)``; each problem is a sentence naming a clip that is not approved (with its
    position and status), or saying the playlist is empty.
    """
    items = playlist_items(playlist)
    if not items:
        return False, [_("“%(playlist)s” has no clips.") % {"playlist": playlist.name}]
    problems = [
        _("Clip %(position)d, “%(clip)s”, is not approved (%(status)s).")
        % {"position": item.position, "clip": item.clip.title, "status": item.clip.get_status_display()}
        for item in items
        if item.clip.status != Clip.Status.APPROVED
    ]
    return not problems, problems
