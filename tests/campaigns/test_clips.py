"""Uploading broadcast clips: real MP3, WAV and M4A files are decoded and measured; anything else is refused
with the reason, and nothing is stored. The recording is served only to users who may see campaigns."""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaigns.content.audio import AudioRefused, audio_check, audio_read
from campaigns.content.services import clip_create
from campaigns.models import Clip
from common.errors import NotAllowed
from common.models import AuditLogEntry
from common.roles import Role
from tests.campaigns.clip_files import m4a_bytes, mp3_bytes, wav_bytes
from tests.factories import make_user

pytestmark = pytest.mark.django_db

SCRIPT = "不听、不信、不转账。"


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def pilot():
    return make_user(Role.DRONE_OPERATOR)


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def upload(content: bytes, name: str = "clip.mp3", content_type: str = "audio/mpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def flac_bytes(seconds: float = 2.0) -> bytes:
    rate = 44100
    samples = int(seconds * rate)
    info = struct.pack(">HH", 4096, 4096) + bytes(6)
    packed = (rate << 44) | (1 << 41) | (15 << 36) | samples  # rate, 2 channels, 16 bits, total samples
    info += packed.to_bytes(8, "big") + bytes(16)
    return b"fLaC" + bytes([0x80]) + len(info).to_bytes(3, "big") + info


@pytest.mark.parametrize(
    ("content", "name", "audio_format"),
    [
        (mp3_bytes(3.0), "voice.mp3", "mp3"),
        (wav_bytes(3.0), "voice.wav", "wav"),
        (m4a_bytes(3.0), "voice.m4a", "m4a"),
    ],
)
def test_accepts_mp3_wav_and_m4a_with_their_measured_length(pilot, media, content, name, audio_format):
    clip = clip_create(title="反诈提醒", theme="anti_fraud", script=SCRIPT, audio=upload(content, name), actor=pilot)
    clip.refresh_from_db()
    assert clip.audio_format == audio_format
    assert clip.duration_s == pytest.approx(3.0, abs=0.05)
    assert clip.size_bytes == len(content)
    assert clip.sha256 == hashlib.sha256(content).hexdigest()
    assert clip.status == "draft" and clip.version == 1 and clip.created_by == pilot
    # Stored under a generated name with the extension of what it is, never the uploader's name.
    assert clip.audio.name.startswith("campaigns/clips/") and clip.audio.name.endswith(f".{audio_format}")
    assert "voice" not in clip.audio.name
    assert (media / clip.audio.name).read_bytes() == content
    entry = AuditLogEntry.objects.get(action="clip.create", object_id=str(clip.pk))
    assert entry.after["sha256"] == clip.sha256 and entry.actor == pilot


def test_format_comes_from_the_content_not_the_name(pilot):
    clip = clip_create(
        title="t", theme="traffic", script=SCRIPT, audio=upload(wav_bytes(1.0), "really.mp3"), actor=pilot
    )
    assert clip.audio_format == "wav" and clip.audio.name.endswith(".wav")


def test_refuses_a_text_file_named_mp3_and_stores_nothing(pilot, media):
    text = "这不是音频，只是改了扩展名的文本。\n".encode() * 50
    with pytest.raises(AudioRefused) as refused:
        clip_create(title="t", theme="other", script=SCRIPT, audio=upload(text, "fake.mp3"), actor=pilot)
    assert refused.value.code == "audio_not_audio"
    assert "not audio" in refused.value.message
    assert not Clip.objects.exists() and not stored_files(media)
    assert not AuditLogEntry.objects.filter(action__startswith="clip.").exists()


def test_refuses_audio_of_another_format_naming_it(pilot):
    with pytest.raises(AudioRefused) as refused:
        audio_check(flac_bytes())
    assert refused.value.code == "audio_format"
    assert "FLAC" in refused.value.message and "MP3, WAV, M4A" in refused.value.message


def test_refuses_an_mp4_with_video(pilot):
    with pytest.raises(AudioRefused) as refused:
        audio_check(m4a_bytes(2.0, with_video=True))
    assert refused.value.code == "audio_format" and "audio-only M4A" in refused.value.message


def test_refuses_a_recording_longer_than_the_limit(pilot, media, settings):
    settings.CAMPAIGN_CLIP_MAX_S = 5
    with pytest.raises(AudioRefused) as refused:
        clip_create(title="t", theme="other", script=SCRIPT, audio=upload(wav_bytes(6.0), "long.wav"), actor=pilot)
    assert refused.value.code == "audio_too_long"
    assert "0:06" in refused.value.message and "0:05" in refused.value.message
    assert not Clip.objects.exists() and not stored_files(media)


def test_accepts_a_recording_at_the_limit(pilot, settings):
    settings.CAMPAIGN_CLIP_MAX_S = 5
    clip = clip_create(title="t", theme="other", script=SCRIPT, audio=upload(wav_bytes(5.0), "ok.wav"), actor=pilot)
    assert clip.duration_s == pytest.approx(5.0)


class Unreadable:
    """An upload that declares its size and must not be read."""

    name = "huge.mp3"
    size = 50 * 1024 * 1024

    def read(self, *args):
        raise AssertionError("a file over the size limit was read")


def test_refuses_a_file_over_the_size_limit_before_reading_it(pilot, media):
    with pytest.raises(AudioRefused) as refused:
        clip_create(title="t", theme="other", script=SCRIPT, audio=Unreadable(), actor=pilot)
    assert refused.value.code == "audio_too_large"
    assert "50.0 MB" in refused.value.message and "20.0 MB" in refused.value.message
    assert not Clip.objects.exists() and not stored_files(media)


def test_refuses_content_over_the_limit_when_no_size_is_declared(settings):
    settings.CAMPAIGN_CLIP_MAX_BYTES = 4096

    class NoSize:
        def __init__(self, content):
            self.content = content

        def read(self, limit=-1):
            return self.content[:limit] if limit >= 0 else self.content

    with pytest.raises(AudioRefused) as refused:
        audio_read(NoSize(mp3_bytes(1.0)))
    assert refused.value.code == "audio_too_large"


def test_refuses_an_empty_file(pilot, media):
    with pytest.raises(AudioRefused) as refused:
        clip_create(title="t", theme="other", script=SCRIPT, audio=upload(b"", "empty.mp3"), actor=pilot)
    assert refused.value.code == "audio_empty" and "empty" in refused.value.message
    assert not Clip.objects.exists() and not stored_files(media)


def test_missing_title_script_or_theme_are_named_and_nothing_is_stored(pilot, media):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as invalid:
        clip_create(title=" ", theme="weather", script="", audio=upload(wav_bytes(1.0)), actor=pilot)
    assert set(invalid.value.message_dict) == {"title", "theme", "script"}
    assert not Clip.objects.exists() and not stored_files(media)


def test_users_without_edit_clips_cannot_upload(media):
    leader = make_user(Role.LEADERSHIP)
    with pytest.raises(NotAllowed):
        clip_create(title="t", theme="other", script=SCRIPT, audio=upload(wav_bytes(1.0)), actor=leader)
    assert not stored_files(media)


# --- pages ---------------------------------------------------------------------------------------


def test_upload_page_saves_a_draft_and_shows_the_player(client, pilot):
    client.force_login(pilot)
    response = client.post(
        reverse("campaigns:clip-new"),
        {"title": "防溺水", "theme": "drowning", "script": "不私自下水游泳。", "audio": upload(mp3_bytes(2.0))},
    )
    clip = Clip.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("campaigns:clip-detail", args=[clip.pk])
    page = client.get(response["Location"]).content.decode()
    assert "<audio controls" in page and reverse("campaigns:clip-audio", args=[clip.pk]) in page
    assert "不私自下水游泳。" in page and 'data-action="clip.create"' in page


def test_upload_page_shows_why_a_file_is_refused(client, pilot, media):
    client.force_login(pilot)
    response = client.post(
        reverse("campaigns:clip-new"),
        {"title": "x", "theme": "other", "script": "s", "audio": upload(b"plain text\n" * 20, "renamed.mp3")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "not audio" in response.content.decode()
    assert not Clip.objects.exists() and not stored_files(media)


def test_the_recording_is_served_with_a_safe_type_to_viewers_only(client, pilot):
    content = wav_bytes(1.0)
    clip = clip_create(title="t", theme="other", script=SCRIPT, audio=upload(content, "<script>.html"), actor=pilot)
    url = reverse("campaigns:clip-audio", args=[clip.pk])
    client.force_login(make_user(Role.LEADERSHIP))
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "audio/wav"
    assert response["Content-Disposition"] == f'inline; filename="clip-{clip.pk}-v1.wav"'
    assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(make_user(Role.BRIGADE_SCHEDULER))
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_the_list_filters_by_theme_and_status(client, pilot):
    clip_create(title="反诈一号", theme="anti_fraud", script=SCRIPT, audio=upload(wav_bytes(1.0)), actor=pilot)
    clip_create(title="交通一号", theme="traffic", script=SCRIPT, audio=upload(wav_bytes(1.0)), actor=pilot)
    Clip.objects.filter(title="交通一号").update(status="approved")
    client.force_login(pilot)
    page = client.get(reverse("campaigns:clip-list"), {"theme": "anti_fraud"}).content.decode()
    assert "反诈一号" in page and "交通一号" not in page
    page = client.get(reverse("campaigns:clip-list"), {"status": "approved"}).content.decode()
    assert "交通一号" in page and "反诈一号" not in page


def test_a_failure_after_the_file_was_stored_removes_it(pilot, media, monkeypatch):
    from campaigns.content import services

    def broken(**kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(services, "audit_record", broken)
    with pytest.raises(RuntimeError):
        clip_create(title="t", theme="other", script=SCRIPT, audio=upload(wav_bytes(1.0)), actor=pilot)
    assert not Clip.objects.exists() and not stored_files(media)
