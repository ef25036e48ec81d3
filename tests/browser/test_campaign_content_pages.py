"""The clip and playlist pages in headless Chromium, on a phone (390 px) and a desktop (1280 px), in Chinese and
English: upload a recording, hear it in the player, submit and approve it, put it in a playlist and see the
loop length and that it is ready. No policy violation, no sideways scrolling."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from campaigns.content.services import clip_create, playlist_create
from campaigns.models import Clip, Playlist
from common.roles import SYSTEM, Role
from tests.browser.pages import fits
from tests.campaigns.clip_files import wav_bytes
from tests.factories import make_user

PASSWORD = "clips-2026-pages"
TEXT = {
    "zh-hans": {
        "clips": "宣传音频",
        "upload": "上传音频",
        "playlists": "播放列表",
        "ready": "可以播放",
        "approved": "已审批",
    },
    "en": {
        "clips": "Broadcast clips (宣传音频)",
        "upload": "Upload a clip",
        "playlists": "Playlists",
        "ready": "ready to broadcast",
        "approved": "Approved",
    },
}


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    user = make_user(Role.BUREAU_ADMIN, username="publicity")
    user.set_password(PASSWORD)
    user.save()
    # A long title and script, and a draft in a playlist: what must still fit on a phone.
    other = clip_create(
        title="交通安全提示：骑电动车请佩戴头盔，不超员、不逆行（样例）",
        theme="traffic",
        script="赶集的乡亲们请注意交通安全。" * 12,
        audio=SimpleUploadedFile("t.wav", wav_bytes(1.5)),
        actor=SYSTEM,
    )
    playlist_create(name="交通安全（草稿）", clips=[other.pk], actor=SYSTEM)
    return {"user": user, "other": other}


@pytest.fixture
def browser(signed_in):
    """``browser(width, language)``: a page signed in as the test's user."""
    return lambda width, language: signed_in("publicity", PASSWORD, width, language)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("width", [390, 1280])
def test_upload_approve_and_play_a_clip_then_make_a_playlist(world, browser, live_url, width, language, tmp_path):
    text = TEXT[language]
    page = browser(width, language)

    page.goto(f"{live_url}/campaigns/clips/")
    assert page.inner_text("h1") == text["clips"] and fits(page)
    assert "交通安全提示" in page.inner_text("table.clip-list")
    page.click("#clip-new")
    assert page.inner_text("h1") == text["upload"] and fits(page)
    # A text file named .mp3 is refused at the file field, nothing saved.
    page.fill("input[name=title]", "反诈提醒")
    page.select_option("select[name=theme]", "anti_fraud")
    page.fill("textarea[name=script]", "不听、不信、不转账。")
    page.set_input_files(
        "input[name=audio]", {"name": "fake.mp3", "mimeType": "audio/mpeg", "buffer": "不是音频\n".encode() * 40}
    )
    page.click("form.clip-form button[type=submit]")
    assert page.locator(".errorlist").count() >= 1 and fits(page)
    assert not Clip.objects.filter(title="反诈提醒").exists()
    page.set_input_files("input[name=audio]", {"name": "voice.wav", "mimeType": "audio/wav", "buffer": wav_bytes(2.0)})
    page.click("form.clip-form button[type=submit]")
    page.wait_for_selector("audio.clip-player")
    clip = Clip.objects.get(title="反诈提醒")
    assert page.url.endswith(f"/campaigns/clips/{clip.pk}/")
    # The player really loads the recording through the audio view.
    page.wait_for_function("() => document.querySelector('audio.clip-player').duration > 1.9")
    assert "不听、不信、不转账。" in page.inner_text("#clip-script") and fits(page)
    page.click("#clip-submit")
    page.wait_for_selector("#clip-approve")
    page.click("#clip-approve")
    page.wait_for_selector(".messages .msg-success")
    clip.refresh_from_db()
    assert clip.status == "approved"
    assert page.inner_text("h1 .clip-status") == text["approved"]
    assert page.locator("#clip-history tbody tr").count() == 3 and fits(page)
    page.screenshot(path=str(tmp_path / f"clip-{language}-{width}.png"), full_page=True)

    page.goto(f"{live_url}/campaigns/playlists/")
    assert page.inner_text("h1") == text["playlists"] and fits(page)
    page.click("#playlist-new")
    page.fill("input[name=name]", "反诈宣传")
    page.select_option("select[name=add_clip_0]", str(clip.pk))
    page.select_option("select[name=add_clip_1]", str(clip.pk))
    assert fits(page)
    page.click("form.playlist-form button[type=submit]")
    page.wait_for_selector("#playlist-items")
    assert page.inner_text("#playlist-ready") == text["ready"]
    assert "0:04" in page.inner_text("#playlist-loop") and fits(page)
    assert Playlist.objects.get(name="反诈宣传").items.count() == 2
    page.screenshot(path=str(tmp_path / f"playlist-{language}-{width}.png"), full_page=True)

    # The draft's playlist names the clip that is not approved.
    draft = Playlist.objects.get(name="交通安全（草稿）")
    page.goto(f"{live_url}/campaigns/playlists/{draft.pk}/")
    assert "交通安全提示" in page.inner_text("#playlist-problems") and fits(page)
    page.goto(f"{live_url}/campaigns/playlists/{draft.pk}/edit/")
    assert fits(page)
    page.goto(f"{live_url}/campaigns/clips/{world['other'].pk}/edit/")
    assert fits(page)
    assert not page.refusals, page.refusals
