"""Pages for broadcast clips (``clip-...``) and playlists (``playlist-...``) under ``/campaigns/``.

Each view parses the request, calls one service and renders; refusals from the services are shown on the
page (a wrong transition as a message, with the clip's current status).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaigns.content import selectors, services
from campaigns.content.audio import CONTENT_TYPES, duration_text
from campaigns.content.forms import ClipForm, PlaylistForm, ReturnForm
from campaigns.content.responses import clip_audio_response
from campaigns.models import Clip, Playlist, Theme
from common.errors import DomainError, NotAllowed
from common.permissions import capability_required
from common.roles import Capability, can


def _form_errors(form, exc: ValidationError) -> None:
    """Put a service's field errors on the form's fields (others as form errors, named)."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for name, found in errors.items():
        if name in form.fields:
            form.add_error(name, found)
        else:
            form.add_error(None, [f"{name}: {m}" if name else m for m in found])


def _domain_error(form, exc: DomainError) -> None:
    field = next((d.get("field") for d in exc.details if isinstance(d, dict) and d.get("field")), None)
    form.add_error(field if field in form.fields else None, exc.message)


def _clip(user, pk: int) -> Clip:
    clip = selectors.clips_visible(user).filter(pk=pk).first()
    if clip is None:
        raise Http404
    return clip


def _playlist(user, pk: int) -> Playlist:
    playlist = selectors.playlists_visible(user).filter(pk=pk).first()
    if playlist is None:
        raise Http404
    return playlist


def _limits() -> dict:
    return {
        "max_length": duration_text(settings.CAMPAIGN_CLIP_MAX_S),
        "max_mb": f"{settings.CAMPAIGN_CLIP_MAX_BYTES / (1024 * 1024):.0f}",
    }


# --- clips ---------------------------------------------------------------------------------------


@capability_required(Capability.VIEW_CAMPAIGNS)
def clip_list(request: HttpRequest) -> HttpResponse:
    """Clips, newest change first, filtered by theme and status."""
    filters = {k: request.GET.get(k, "").strip() for k in ("theme", "status", "q")}
    qs = selectors.clip_filter(selectors.clips_visible(request.user), **filters)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "campaigns/content/clip_list.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "themes": Theme.choices,
            "statuses": Clip.Status.choices,
            "can_edit": can(request.user, Capability.EDIT_CLIPS),
        },
    )


def _history_rows(clip: Clip) -> list[dict]:
    """The clip's audit entries as the page shows them: what happened and the status it left, in words."""
    steps = {
        "clip.create": _("Uploaded"),
        "clip.update": _("Edited"),
        "clip.submit": _("Submitted for approval"),
        "clip.approve": _("Approved"),
        "clip.return": _("Returned"),
    }
    statuses = dict(Clip.Status.choices)
    rows = []
    for entry in selectors.clip_history(clip):
        after = entry.after or {}
        rows.append(
            {
                "entry": entry,
                "step": steps.get(entry.action, entry.action),
                "status": statuses.get(after.get("status"), ""),
                "version": after.get("version"),
            }
        )
    return rows


@capability_required(Capability.VIEW_CAMPAIGNS)
def clip_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The recording (player), the script, the status history and the actions the user may take."""
    clip = _clip(request.user, pk)
    return render(
        request,
        "campaigns/content/clip_detail.html",
        {
            "clip": clip,
            "duration": duration_text(clip.duration_s),
            "content_type": CONTENT_TYPES.get(clip.audio_format, "application/octet-stream"),
            "history": _history_rows(clip),
            "playlists": selectors.clip_playlists(clip),
            "actions": selectors.clip_actions(request.user, clip),
            "return_form": ReturnForm(),
        },
    )


@capability_required(Capability.VIEW_CAMPAIGNS)
def clip_audio(request: HttpRequest, pk: int) -> HttpResponse:
    return clip_audio_response(_clip(request.user, pk))


@capability_required(Capability.EDIT_CLIPS)
def clip_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ClipForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                clip = services.clip_create(
                    title=data["title"],
                    theme=data["theme"],
                    script=data["script"],
                    audio=data["audio"],
                    actor=request.user,
                )
            except NotAllowed as exc:
                raise PermissionDenied(exc.message) from None
            except DomainError as exc:
                _domain_error(form, exc)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Clip “%(title)s” saved as a draft.") % {"title": clip.title})
                return redirect("campaigns:clip-detail", pk=clip.pk)
    else:
        form = ClipForm(initial={"theme": request.GET.get("theme", "")})
    return render(request, "campaigns/content/clip_form.html", {"form": form, "clip": None, **_limits()})


@capability_required(Capability.EDIT_CLIPS)
def clip_edit(request: HttpRequest, pk: int) -> HttpResponse:
    clip = _clip(request.user, pk)
    if request.method == "POST":
        form = ClipForm(request.POST, request.FILES, editing=True)
        if form.is_valid():
            data = form.cleaned_data
            version = clip.version
            try:
                clip = services.clip_update(
                    clip=clip,
                    title=data["title"],
                    theme=data["theme"],
                    script=data["script"],
                    audio=data.get("audio"),
                    actor=request.user,
                )
            except NotAllowed as exc:
                raise PermissionDenied(exc.message) from None
            except DomainError as exc:
                _domain_error(form, exc)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                if clip.version != version:
                    messages.success(
                        request,
                        _("Saved as version %(version)d, a draft: submit it for approval again.")
                        % {"version": clip.version},
                    )
                else:
                    messages.info(request, _("Nothing changed."))
                return redirect("campaigns:clip-detail", pk=clip.pk)
    else:
        form = ClipForm(initial={"title": clip.title, "theme": clip.theme, "script": clip.script}, editing=True)
    return render(request, "campaigns/content/clip_form.html", {"form": form, "clip": clip, **_limits()})


def _transition(request: HttpRequest, pk: int, step) -> HttpResponse:
    clip = _clip(request.user, pk)
    try:
        clip = step(clip)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    except DomainError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("“%(title)s” is now %(status)s.") % {"title": clip.title, "status": clip.get_status_display()}
        )
    return redirect("campaigns:clip-detail", pk=pk)


@require_POST
@capability_required(Capability.EDIT_CLIPS)
def clip_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, lambda clip: services.clip_submit(clip=clip, actor=request.user))


@require_POST
@capability_required(Capability.APPROVE_CLIPS)
def clip_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, lambda clip: services.clip_approve(clip=clip, actor=request.user))


@require_POST
@capability_required(Capability.APPROVE_CLIPS)
def clip_return(request: HttpRequest, pk: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _transition(request, pk, lambda clip: services.clip_return(clip=clip, reason=reason, actor=request.user))


# --- playlists -----------------------------------------------------------------------------------


@capability_required(Capability.VIEW_CAMPAIGNS)
def playlist_list(request: HttpRequest) -> HttpResponse:
    rows = []
    for playlist in selectors.playlists_visible(request.user).order_by("name"):
        ready, problems = selectors.playlist_ready(playlist)
        rows.append(
            {
                "playlist": playlist,
                "count": len(selectors.playlist_items(playlist)),
                "loop": duration_text(selectors.playlist_loop_s(playlist)),
                "ready": ready,
                "problems": problems,
            }
        )
    return render(
        request,
        "campaigns/content/playlist_list.html",
        {"rows": rows, "can_edit": can(request.user, Capability.EDIT_CLIPS)},
    )


@capability_required(Capability.VIEW_CAMPAIGNS)
def playlist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    playlist = _playlist(request.user, pk)
    ready, problems = selectors.playlist_ready(playlist)
    items = selectors.playlist_items(playlist)
    return render(
        request,
        "campaigns/content/playlist_detail.html",
        {
            "playlist": playlist,
            "items": [(item, duration_text(item.clip.duration_s)) for item in items],
            "loop": duration_text(selectors.playlist_loop_s(playlist)),
            "loop_s": selectors.playlist_loop_s(playlist),
            "ready": ready,
            "problems": problems,
            "can_edit": can(request.user, Capability.EDIT_CLIPS),
        },
    )


def _playlist_form(request: HttpRequest, playlist: Playlist | None) -> HttpResponse:
    items = selectors.playlist_items(playlist) if playlist else []
    clips = Clip.objects.order_by("theme", "title")
    if request.method == "POST":
        form = PlaylistForm(request.POST, items=items, clips=clips)
        if form.is_valid():
            try:
                if playlist is None:
                    playlist = services.playlist_create(
                        name=form.cleaned_data["name"], clips=form.clip_ids(), actor=request.user
                    )
                else:
                    playlist = services.playlist_update(
                        playlist=playlist, name=form.cleaned_data["name"], clips=form.clip_ids(), actor=request.user
                    )
            except NotAllowed as exc:
                raise PermissionDenied(exc.message) from None
            except DomainError as exc:
                form.add_error(None, exc.message)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Playlist “%(name)s” saved.") % {"name": playlist.name})
                return redirect("campaigns:playlist-detail", pk=playlist.pk)
    else:
        form = PlaylistForm(initial={"name": playlist.name if playlist else ""}, items=items, clips=clips)
    return render(request, "campaigns/content/playlist_form.html", {"form": form, "playlist": playlist})


@capability_required(Capability.EDIT_CLIPS)
def playlist_new(request: HttpRequest) -> HttpResponse:
    return _playlist_form(request, None)


@capability_required(Capability.EDIT_CLIPS)
def playlist_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _playlist_form(request, _playlist(request.user, pk))


@require_POST
@capability_required(Capability.EDIT_CLIPS)
def playlist_delete(request: HttpRequest, pk: int) -> HttpResponse:
    playlist = _playlist(request.user, pk)
    try:
        services.playlist_delete(playlist=playlist, actor=request.user)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("campaigns:playlist-detail", pk=pk)
    messages.success(request, _("Playlist “%(name)s” deleted.") % {"name": playlist.name})
    return redirect("campaigns:playlist-list")
