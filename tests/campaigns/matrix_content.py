"""Permission-matrix rows for broadcast clips and playlists (pages ``campaigns:clip-...``/``playlist-...``
and the API ``campaigns_api:...``).

VIEW_CAMPAIGNS: admin, pilot (drone operator), leader; EDIT_CLIPS: admin, pilot; APPROVE_CLIPS: admin.
Clips and playlists are county-wide: there is no "other school" row. ``clip_draft`` may be submitted,
``clip_submitted`` approved or returned; ``playlist_free`` is used by no campaign, so it may be deleted.
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from campaigns.content.audio import tone_wav
from tests.permission_case import Case

PAGE_VIEW = "302 200 403 403 403 200 200 200"
PAGE_EDIT = "302 200 403 403 403 200 403 200"
PAGE_EDIT_POST = "302 302 403 403 403 302 403 302"
PAGE_APPROVE_POST = "302 302 403 403 403 403 403 302"
API_VIEW = "401 200 403 403 403 200 200 200"
API_EDIT = "401 200 403 403 403 200 403 200"
API_APPROVE = "401 200 403 403 403 403 403 200"


def _pk(name: str):
    return lambda w: {"pk": w[name].pk}


def _clip_upload(w) -> dict:
    return {
        "title": "矩阵上传",
        "theme": "traffic",
        "script": "减速慢行。",
        "audio": SimpleUploadedFile("m.wav", tone_wav(seconds=0.5), content_type="audio/wav"),
    }


def _clip_change(w) -> dict:
    return {"title": "矩阵改名", "theme": "anti_fraud", "script": "不听、不信、不转账。"}


def _playlist_body(w) -> dict:
    return {"name": "矩阵歌单", "clips": [w["clip_draft"].pk, w["clip_submitted"].pk]}


def _playlist_form(w) -> dict:
    return {"name": "矩阵歌单", "add_clip_0": str(w["clip_draft"].pk)}


CASES: list = [
    Case("campaigns:clip-list", PAGE_VIEW),
    Case("campaigns:clip-detail", PAGE_VIEW, kwargs=_pk("clip_draft")),
    Case("campaigns:clip-audio", PAGE_VIEW, kwargs=_pk("clip_draft")),
    Case("campaigns:clip-new", PAGE_EDIT),
    Case("campaigns:clip-new", PAGE_EDIT_POST, method="post", label="upload", data=_clip_upload),
    Case("campaigns:clip-edit", PAGE_EDIT, kwargs=_pk("clip_draft")),
    Case(
        "campaigns:clip-edit", PAGE_EDIT_POST, method="post", label="save", kwargs=_pk("clip_draft"), data=_clip_change
    ),
    Case("campaigns:clip-submit", PAGE_EDIT_POST, method="post", kwargs=_pk("clip_draft")),
    Case("campaigns:clip-approve", PAGE_APPROVE_POST, method="post", kwargs=_pk("clip_submitted")),
    Case(
        "campaigns:clip-return",
        PAGE_APPROVE_POST,
        method="post",
        kwargs=_pk("clip_submitted"),
        data=lambda w: {"reason": "音量太小"},
    ),
    Case("campaigns:playlist-list", PAGE_VIEW),
    Case("campaigns:playlist-detail", PAGE_VIEW, kwargs=_pk("playlist_free")),
    Case("campaigns:playlist-new", PAGE_EDIT),
    Case("campaigns:playlist-new", PAGE_EDIT_POST, method="post", label="save", data=_playlist_form),
    Case("campaigns:playlist-edit", PAGE_EDIT, kwargs=_pk("playlist_free")),
    Case(
        "campaigns:playlist-edit",
        PAGE_EDIT_POST,
        method="post",
        label="save",
        kwargs=_pk("playlist_free"),
        data=lambda w: {"name": "改名的歌单", "position_0": "1"},
    ),
    Case("campaigns:playlist-delete", PAGE_EDIT_POST, method="post", kwargs=_pk("playlist_free")),
    # API
    Case("campaigns_api:clip-list", API_VIEW),
    Case(
        "campaigns_api:clip-list", "401 201 403 403 403 201 403 201", method="post", label="upload", data=_clip_upload
    ),
    Case("campaigns_api:clip-detail", API_VIEW, kwargs=_pk("clip_draft")),
    Case("campaigns_api:clip-audio", API_VIEW, kwargs=_pk("clip_draft")),
    Case(
        "campaigns_api:clip-detail",
        API_EDIT,
        method="patch",
        json=True,
        label="change",
        kwargs=_pk("clip_draft"),
        data=lambda w: {"title": "矩阵改名"},
    ),
    Case("campaigns_api:clip-submit", API_EDIT, method="post", json=True, kwargs=_pk("clip_draft")),
    Case("campaigns_api:clip-approve", API_APPROVE, method="post", json=True, kwargs=_pk("clip_submitted")),
    Case(
        "campaigns_api:clip-return",
        API_APPROVE,
        method="post",
        json=True,
        kwargs=_pk("clip_submitted"),
        data=lambda w: {"reason": "音量太小"},
    ),
    Case("campaigns_api:playlist-list", API_VIEW),
    Case(
        "campaigns_api:playlist-list",
        "401 201 403 403 403 201 403 201",
        method="post",
        json=True,
        label="create",
        data=_playlist_body,
    ),
    Case("campaigns_api:playlist-detail", API_VIEW, kwargs=_pk("playlist_free")),
    Case(
        "campaigns_api:playlist-detail",
        API_EDIT,
        method="patch",
        json=True,
        label="change",
        kwargs=_pk("playlist_free"),
        data=_playlist_body,
    ),
    Case(
        "campaigns_api:playlist-detail",
        "401 204 403 403 403 204 403 204",
        method="delete",
        json=True,
        label="delete",
        kwargs=_pk("playlist_free"),
    ),
]


def build(world: dict) -> dict:
    from campaigns.content.services import clip_create, clip_submit, playlist_create
    from common.roles import SYSTEM

    def make(title: str):
        return clip_create(
            title=title, theme="anti_fraud", script="不听、不信、不转账。", audio=tone_wav(seconds=0.5), actor=SYSTEM
        )

    draft = make("矩阵草稿")
    submitted = clip_submit(clip=make("矩阵待审"), actor=SYSTEM)
    return {
        "clip_draft": draft,
        "clip_submitted": submitted,
        "playlist_free": playlist_create(name="矩阵空闲歌单", clips=[draft.pk], actor=SYSTEM),
    }
