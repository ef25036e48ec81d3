"""The clip and playlist API: a round trip from multipart upload through approval to a ready playlist."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from campaigns.models import Clip, Playlist
from common.models import AuditLogEntry
from common.roles import Role
from tests.campaigns.clip_files import m4a_bytes, wav_bytes
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def test_round_trip_upload_submit_return_edit_approve_and_playlist():
    pilot = api(make_user(Role.DRONE_OPERATOR))
    admin = api(make_user(Role.BUREAU_ADMIN))
    leader = api(make_user(Role.LEADERSHIP))

    created = pilot.post(
        "/api/campaigns/clips/",
        {
            "title": "防溺水",
            "theme": "drowning",
            "script": "不私自下水。",
            "audio": SimpleUploadedFile("a.m4a", m4a_bytes(2.5)),
        },
        format="multipart",
    )
    assert created.status_code == 201, created.content
    clip = created.json()
    assert clip["status"] == "draft" and clip["audio_format"] == "m4a" and clip["duration_s"] == pytest.approx(2.5)
    assert clip["audio_url"].endswith(f"/api/campaigns/clips/{clip['id']}/audio/")
    url = f"/api/campaigns/clips/{clip['id']}/"
    recording = leader.get(url + "audio/", HTTP_ACCEPT="audio/*")
    assert recording.status_code == 200 and recording["Content-Type"] == "audio/mp4"
    assert b"".join(recording.streaming_content) == m4a_bytes(2.5)
    assert recording["Content-Disposition"] == f'inline; filename="clip-{clip["id"]}-v1.m4a"'
    assert api(make_user(Role.SCHOOL_STAFF)).get(url + "audio/").status_code == 403

    # Approving a draft: 409 with the current status.
    conflict = admin.post(url + "approve/")
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "clip_status" and conflict.json()["errors"][0]["status"] == "draft"

    assert pilot.post(url + "submit/").json()["status"] == "submitted"
    assert pilot.post(url + "approve/").status_code == 403  # an editor is not an approver
    missing = admin.post(url + "return/", {"reason": ""}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()["errors"]
    returned = admin.post(url + "return/", {"reason": "请放慢语速"}, format="json")
    assert returned.json()["status"] == "returned" and returned.json()["return_reason"] == "请放慢语速"

    changed = pilot.patch(url, {"audio": SimpleUploadedFile("b.wav", wav_bytes(3.0))}, format="multipart")
    assert changed.status_code == 200
    assert changed.json()["version"] == 2 and changed.json()["status"] == "draft"
    assert changed.json()["audio_format"] == "wav"
    pilot.post(url + "submit/")
    approved = admin.post(url + "approve/").json()
    assert approved["status"] == "approved" and approved["reviewed_by"] == "u_bureau_admin"

    listed = leader.get("/api/campaigns/clips/", {"status": "approved", "theme": "drowning"}).json()
    assert [c["id"] for c in listed["results"]] == [clip["id"]]
    assert leader.get("/api/campaigns/clips/", {"theme": "traffic"}).json()["results"] == []
    assert leader.patch(url, {"title": "x"}, format="json").status_code == 403

    playlist = pilot.post(
        "/api/campaigns/playlists/", {"name": "暑期防溺水", "clips": [clip["id"], clip["id"]]}, format="json"
    )
    assert playlist.status_code == 201, playlist.content
    body = playlist.json()
    assert body["ready"] is True and body["problems"] == [] and body["loop_s"] == pytest.approx(6.0)
    assert [i["position"] for i in body["items"]] == [1, 2]
    purl = f"/api/campaigns/playlists/{body['id']}/"
    # Editing the clip again makes the playlist not ready, naming the clip.
    pilot.patch(url, {"script": "不私自下水游泳。"}, format="json")
    after = leader.get(purl).json()
    assert after["ready"] is False and "防溺水" in after["problems"][0]
    renamed = pilot.patch(purl, {"clips": [clip["id"]]}, format="json").json()
    assert renamed["name"] == "暑期防溺水" and len(renamed["items"]) == 1
    assert pilot.delete(purl).status_code == 204 and not Playlist.objects.exists()
    assert list(
        AuditLogEntry.objects.filter(object_type="campaigns.clip").order_by("id").values_list("action", flat=True)
    ) == [
        "clip.create",
        "clip.submit",
        "clip.return",
        "clip.update",
        "clip.submit",
        "clip.approve",
        "clip.update",
    ]


def test_a_refused_upload_is_a_400_naming_the_reason_and_writes_nothing():
    pilot = api(make_user(Role.DRONE_OPERATOR))
    response = pilot.post(
        "/api/campaigns/clips/",
        {"title": "t", "theme": "other", "script": "s", "audio": SimpleUploadedFile("x.mp3", b"not audio at all" * 10)},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "audio_not_audio" and "not audio" in response.json()["detail"]
    empty = pilot.post(
        "/api/campaigns/clips/",
        {"title": "t", "theme": "other", "script": "s", "audio": SimpleUploadedFile("x.mp3", b"")},
        format="multipart",
    )
    assert empty.status_code == 400 and empty.json()["code"] == "audio_empty"
    assert not Clip.objects.exists()


def test_playlist_errors_name_the_field():
    pilot = api(make_user(Role.DRONE_OPERATOR))
    response = pilot.post("/api/campaigns/playlists/", {"name": "p", "clips": [424242]}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["clips"] == ["Position 1: there is no clip 424242."]
    assert not Playlist.objects.exists()
