"""The approval workflow: draft -> submitted -> approved or returned with a reason -> edited and submitted
again; wrong steps are refused with the current status; every step is audited; an edit needs approval again."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaigns.content.audio import AudioRefused
from campaigns.content.services import (
    ClipStatusConflict,
    clip_approve,
    clip_create,
    clip_return,
    clip_submit,
    clip_update,
)
from campaigns.models import Clip
from common.errors import NotAllowed
from common.models import AuditLogEntry
from common.roles import Role
from tests.campaigns.clip_files import mp3_bytes, wav_bytes
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def pilot():
    return make_user(Role.DRONE_OPERATOR)


@pytest.fixture
def admin():
    return make_user(Role.BUREAU_ADMIN)


@pytest.fixture
def clip(pilot) -> Clip:
    return clip_create(
        title="反诈提醒",
        theme="anti_fraud",
        script="不听、不信、不转账。",
        audio=SimpleUploadedFile("a.wav", wav_bytes(2.0)),
        actor=pilot,
    )


def actions(clip: Clip) -> list[str]:
    return list(
        AuditLogEntry.objects.filter(object_type="campaigns.clip", object_id=str(clip.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_submit_then_approve_records_the_reviewer_and_audits_each_step(clip, pilot, admin):
    clip = clip_submit(clip=clip, actor=pilot)
    assert clip.status == "submitted" and clip.submitted_at is not None
    clip = clip_approve(clip=clip, actor=admin)
    clip.refresh_from_db()
    assert clip.status == "approved" and clip.is_approved
    assert clip.reviewed_by == admin and clip.reviewed_at is not None
    assert actions(clip) == ["clip.create", "clip.submit", "clip.approve"]
    approve = AuditLogEntry.objects.get(action="clip.approve", object_id=str(clip.pk))
    assert approve.before["status"] == "submitted" and approve.after["status"] == "approved"
    assert approve.actor == admin


def test_return_needs_a_reason_and_keeps_it(clip, pilot, admin):
    clip_submit(clip=clip, actor=pilot)
    with pytest.raises(ValidationError) as invalid:
        clip_return(clip=clip, reason="  ", actor=admin)
    assert "reason" in invalid.value.message_dict
    clip.refresh_from_db()
    assert clip.status == "submitted" and "clip.return" not in actions(clip)
    clip = clip_return(clip=clip, reason="电话号码念错了，应为 96110。", actor=admin)
    clip.refresh_from_db()
    assert clip.status == "returned" and clip.return_reason == "电话号码念错了，应为 96110。"
    entry = AuditLogEntry.objects.get(action="clip.return", object_id=str(clip.pk))
    assert entry.reason == "电话号码念错了，应为 96110。" and entry.after["status"] == "returned"


def test_a_returned_clip_is_edited_and_submitted_again(clip, pilot, admin):
    clip_submit(clip=clip, actor=pilot)
    clip_return(clip=clip, reason="script and recording differ", actor=admin)
    clip = clip_update(clip=clip, script="不听、不信、不转账！拨打 96110。", actor=pilot)
    assert clip.status == "draft" and clip.version == 2
    clip = clip_submit(clip=clip, actor=pilot)
    assert clip.status == "submitted" and clip.return_reason == ""
    clip = clip_approve(clip=clip, actor=admin)
    assert clip.status == "approved"
    assert actions(clip) == [
        "clip.create",
        "clip.submit",
        "clip.return",
        "clip.update",
        "clip.submit",
        "clip.approve",
    ]


@pytest.mark.parametrize(
    ("status", "step", "expected_status"),
    [
        ("draft", "approve", "draft"),
        ("draft", "return", "draft"),
        ("approved", "submit", "approved"),
        ("approved", "approve", "approved"),
        ("returned", "approve", "returned"),
        ("submitted", "submit", "submitted"),
    ],
)
def test_wrong_transitions_are_refused_with_the_current_status(clip, pilot, admin, status, step, expected_status):
    Clip.objects.filter(pk=clip.pk).update(status=status)
    before = AuditLogEntry.objects.count()
    call = {
        "submit": lambda: clip_submit(clip=clip, actor=pilot),
        "approve": lambda: clip_approve(clip=clip, actor=admin),
        "return": lambda: clip_return(clip=clip, reason="no", actor=admin),
    }[step]
    with pytest.raises(ClipStatusConflict) as conflict:
        call()
    assert conflict.value.http_status == 409
    assert conflict.value.details[0]["status"] == expected_status
    assert str(Clip.Status(expected_status).label) in conflict.value.message
    clip.refresh_from_db()
    assert clip.status == expected_status and AuditLogEntry.objects.count() == before


def test_only_approvers_approve_or_return(clip, pilot):
    clip_submit(clip=clip, actor=pilot)
    with pytest.raises(NotAllowed):
        clip_approve(clip=clip, actor=pilot)
    with pytest.raises(NotAllowed):
        clip_return(clip=clip, reason="x", actor=pilot)
    with pytest.raises(NotAllowed):
        clip_submit(clip=clip, actor=make_user(Role.LEADERSHIP))
    clip.refresh_from_db()
    assert clip.status == "submitted"


def test_editing_an_approved_clip_needs_approval_again(clip, pilot, admin):
    clip_submit(clip=clip, actor=pilot)
    clip_approve(clip=clip, actor=admin)
    clip = clip_update(clip=clip, title="反诈提醒（新版）", actor=pilot)
    clip.refresh_from_db()
    assert clip.status == "draft" and clip.version == 2
    assert clip.reviewed_by is None and clip.reviewed_at is None
    entry = AuditLogEntry.objects.get(action="clip.update", object_id=str(clip.pk))
    assert entry.before["status"] == "approved" and entry.after["status"] == "draft"
    assert entry.before["version"] == 1 and entry.after["version"] == 2


def test_editing_a_submitted_clip_withdraws_it_from_review(clip, pilot, admin):
    clip_submit(clip=clip, actor=pilot)
    clip_update(clip=clip, theme="traffic", actor=pilot)
    with pytest.raises(ClipStatusConflict):
        clip_approve(clip=clip, actor=admin)


def test_an_edit_that_changes_nothing_writes_nothing(clip, pilot, admin):
    clip_submit(clip=clip, actor=pilot)
    clip_approve(clip=clip, actor=admin)
    before = AuditLogEntry.objects.count()
    same = clip_update(
        clip=clip,
        title=clip.title,
        theme=clip.theme,
        script=clip.script,
        audio=SimpleUploadedFile("same.wav", wav_bytes(2.0)),
        actor=pilot,
    )
    same.refresh_from_db()
    assert same.status == "approved" and same.version == 1 and AuditLogEntry.objects.count() == before


def test_a_new_recording_replaces_the_old_file_after_commit(clip, pilot, media, django_capture_on_commit_callbacks):
    old = clip.audio.name
    with django_capture_on_commit_callbacks(execute=True):
        clip = clip_update(clip=clip, audio=SimpleUploadedFile("new.mp3", mp3_bytes(4.0)), actor=pilot)
    clip.refresh_from_db()
    assert clip.audio_format == "mp3" and clip.duration_s == pytest.approx(4.0, abs=0.05) and clip.version == 2
    assert (media / clip.audio.name).exists() and not (media / old).exists()


def test_a_refused_new_recording_changes_nothing(clip, pilot, media):
    old = clip.audio.name
    with pytest.raises(AudioRefused) as refused:
        clip_update(clip=clip, title="new title", audio=SimpleUploadedFile("x.mp3", b"text" * 100), actor=pilot)
    assert refused.value.code == "audio_not_audio"
    clip.refresh_from_db()
    assert clip.title == "反诈提醒" and clip.version == 1 and clip.audio.name == old
    assert [p.name for p in media.rglob("*") if p.is_file()] == [old.rsplit("/", 1)[-1]]


# --- pages ---------------------------------------------------------------------------------------


def test_the_pages_show_each_user_the_steps_they_may_take(client, clip, pilot, admin):
    url = reverse("campaigns:clip-detail", args=[clip.pk])
    client.force_login(pilot)
    page = client.get(url).content.decode()
    assert 'id="clip-submit"' in page and 'id="clip-approve"' not in page
    assert client.post(reverse("campaigns:clip-submit", args=[clip.pk])).status_code == 302
    page = client.get(url).content.decode()
    assert 'id="clip-submit"' not in page and 'id="clip-approve"' not in page
    client.force_login(admin)
    page = client.get(url).content.decode()
    assert 'id="clip-approve"' in page and 'id="clip-return"' in page
    response = client.post(reverse("campaigns:clip-return", args=[clip.pk]), {"reason": "音量太小"})
    assert response.status_code == 302
    clip.refresh_from_db()
    assert clip.status == "returned" and clip.reviewed_by == admin
    page = client.get(url).content.decode()
    assert "音量太小" in page and 'data-action="clip.return"' in page
    leader = make_user(Role.LEADERSHIP)
    client.force_login(leader)
    page = client.get(url).content.decode()
    assert 'id="clip-actions"' not in page and "<audio controls" in page


def test_a_wrong_step_on_the_page_says_why(client, clip, admin):
    client.force_login(admin)
    response = client.post(reverse("campaigns:clip-approve", args=[clip.pk]), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "cannot be approved: it is Draft" in response.content.decode()
    clip.refresh_from_db()
    assert clip.status == "draft"


def test_the_edit_page_makes_a_new_version(client, clip, pilot, admin):
    clip_submit(clip=clip, actor=pilot)
    clip_approve(clip=clip, actor=admin)
    client.force_login(pilot)
    response = client.post(
        reverse("campaigns:clip-edit", args=[clip.pk]),
        {"title": clip.title, "theme": "anti_fraud", "script": "新的脚本。"},
    )
    assert response.status_code == 302
    clip.refresh_from_db()
    assert clip.status == "draft" and clip.version == 2 and clip.script == "新的脚本。"
