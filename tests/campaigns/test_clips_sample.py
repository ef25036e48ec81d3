"""The sample content: approved sample clips with real (synthesised) WAV recordings, the playlist 反诈宣传,
and a deterministic attendance on each sample market by its size; loading twice changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from campaigns.content.audio import audio_check
from campaigns.content.selectors import playlist_ready
from campaigns.models import Clip, Playlist
from campaigns.sample import SAMPLE_PLAYLIST, load_sample_content, sample_attendance
from common.models import AuditLogEntry
from drones.models import Market

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def market(name: str, kind: str, length_deg: float, **fields) -> Market:
    street = {"type": "LineString", "coordinates": [[118.17, 36.18], [118.17 + length_deg, 36.18]]}
    return Market.objects.create(
        name=name, kind=kind, street=street, lunar_days=[1, 6] if kind == "rural" else [], weekdays=[4, 5], **fields
    )


def test_sample_clips_are_approved_marked_and_really_audio():
    summary = load_sample_content()
    assert summary.clips_created == 4 and summary.playlists_created == 1
    clips = list(Clip.objects.order_by("pk"))
    assert {c.theme for c in clips} == {"anti_fraud", "drowning", "traffic"}
    for clip in clips:
        assert clip.is_sample and clip.status == "approved" and "样例" in clip.title
        with clip.audio.open("rb") as handle:
            checked = audio_check(handle.read())
        assert checked.audio_format == "wav" and checked.duration_s == pytest.approx(clip.duration_s)
    assert "不听、不信、不转账" in clips[0].script
    playlist = Playlist.objects.get(name=SAMPLE_PLAYLIST)
    assert playlist.is_sample and playlist_ready(playlist) == (True, [])
    assert [i.clip.theme for i in playlist.items.all()] == ["anti_fraud", "anti_fraud"]
    actions = set(AuditLogEntry.objects.filter(object_type="campaigns.clip").values_list("action", flat=True))
    assert actions == {"clip.create", "clip.submit", "clip.approve"}


def test_sample_markets_get_an_attendance_by_kind_and_size_once():
    small_rural = market("小集（样例）", "rural", 0.001, is_sample=True)
    big_rural = market("大集（样例）", "rural", 0.02, is_sample=True)
    night = market("夜市（样例）", "night", 0.005, is_sample=True, opens="18:00", closes="22:00")
    kept = market("已有人数（样例）", "rural", 0.005, is_sample=True, attendance=1234)
    real = market("真实大集", "rural", 0.005)
    load_sample_content()
    for m in (small_rural, big_rural, night, kept, real):
        m.refresh_from_db()
    assert 2000 <= small_rural.attendance < big_rural.attendance == 5000
    assert 1500 <= night.attendance <= 3000 and night.attendance % 100 == 0
    assert night.attendance == sample_attendance(night)  # deterministic
    assert kept.attendance == 1234 and real.attendance is None
    out = io.StringIO()
    call_command("load_sample_campaigns", stdout=out)
    assert "0 clip(s) and 0 playlist(s) created; attendance set on 0 market(s)" in out.getvalue()
    assert Clip.objects.count() == 4 and Playlist.objects.count() == 1
