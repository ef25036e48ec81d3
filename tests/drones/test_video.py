"""A drone's live-video URL (validated, kind detected, audited) and snapshots of the video in the flight log
(PNG or JPEG only, size-limited, with the drone's position, audited, listed and exported)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from common.models import AuditLogEntry
from common.roles import Role
from drones.models import Drone, Flight, FlightSnapshot, TrackPoint
from drones.models.video import detect_video_kind
from tests.factories import make_user

pytestmark = pytest.mark.django_db

ORIGIN = "http://192.0.2.10:8080"
FORM = {
    "name": "巡逻九号",
    "serial": "X9",
    "airframe": "quad",
    "connection": "tcp:127.0.0.1:5790",
    "system_id": 1,
    "endurance_min": 28,
    "cruise_speed_mps": 9,
    "status": "available",
    "video_kind": "auto",
}


@pytest.fixture(autouse=True)
def video_origins(settings):
    settings.DRONE_VIDEO_ORIGINS = [ORIGIN]


@pytest.fixture
def operator(client):
    user = make_user(Role.DRONE_OPERATOR)
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return user


def _image(fmt: str, size=(32, 24)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        (f"{ORIGIN}/live/drone1/index.m3u8", "hls"),
        (f"{ORIGIN}/live/drone1.flv?token=1", "flv"),
        (f"{ORIGIN}/drone1/whep", "whep"),
        (f"{ORIGIN}/rtc/v1/whep/?app=live&stream=drone1", "whep"),
        (f"{ORIGIN}/live/drone1", None),
    ],
)
def test_the_kind_of_stream_is_told_from_the_url(url, kind):
    assert detect_video_kind(url) == kind


def test_a_video_url_saved_on_the_edit_page_is_audited_and_given_to_the_pages(client, operator):
    response = client.post(reverse("drones:drone_add"), {**FORM, "video_url": f"{ORIGIN}/live/d9.m3u8"})
    assert response.status_code == 302, response.content.decode()[:2000]
    drone = Drone.objects.get(serial="X9")
    assert drone.video_source() == {"url": f"{ORIGIN}/live/d9.m3u8", "kind": "hls"}
    client.post(
        reverse("drones:drone_edit", args=[drone.pk]),
        {**FORM, "video_url": f"{ORIGIN}/live/d9", "video_kind": "whep"},
    )
    entry = AuditLogEntry.objects.filter(action="drone.update", object_id=str(drone.pk)).get()
    assert entry.before["video_url"].endswith("d9.m3u8") and entry.after["video_kind"] == "whep"
    data = client.get(reverse("drones_api:drone-detail", args=[drone.pk])).json()
    assert data["video_url"] == f"{ORIGIN}/live/d9" and data["video"] == {"url": f"{ORIGIN}/live/d9", "kind": "whep"}
    # The live map hands the player its source.
    assert f"{ORIGIN}/live/d9" in client.get(reverse("drones:live_map")).content.decode()


@pytest.mark.parametrize(
    ("url", "kind", "field", "message"),
    [
        ("rtsp://192.0.2.10:554/live", "auto", "video_url", "must start with http:// or https://"),
        ("javascript:alert(1)", "auto", "video_url", "must start with http:// or https://"),
        ("http://cam:secret@192.0.2.10:8080/a.m3u8", "auto", "video_url", "Leave the user name and password out"),
        ("http://198.51.100.7/live/a.m3u8", "auto", "video_url", "ask the administrator to add http://198.51.100.7"),
        (f"{ORIGIN}/live/drone1", "auto", "video_kind", "cannot be told from the URL"),
    ],
)
def test_a_video_url_the_pages_could_not_play_is_refused_with_the_field_named(
    client, operator, url, kind, field, message
):
    response = client.post(reverse("drones:drone_add"), {**FORM, "video_url": url, "video_kind": kind})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors.get(field, [])), response.context["form"].errors
    assert not Drone.objects.filter(serial="X9").exists()


def test_the_api_refuses_a_bad_video_url_and_keeps_the_old_one(client, operator):
    drone = Drone.objects.create(name="d", serial="s", connection="tcp:127.0.0.1:5791", video_url=f"{ORIGIN}/a.m3u8")
    url = reverse("drones_api:drone-detail", args=[drone.pk])
    response = client.patch(url, {"video_url": "ftp://192.0.2.10/a.m3u8"}, content_type="application/json")
    assert response.status_code == 400 and "http:// or https://" in json.dumps(response.json())
    response = client.patch(url, {"video_url": f"{ORIGIN}/cam"}, content_type="application/json")
    assert response.status_code == 400 and "choose it" in response.json()["video_kind"][0]
    drone.refresh_from_db()
    assert drone.video_url == f"{ORIGIN}/a.m3u8"
    response = client.patch(url, {"video_url": f"{ORIGIN}/cam", "video_kind": "flv"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["video"]["kind"] == "flv"


# --- snapshots -------------------------------------------------------------------------------------


@pytest.fixture
def flight(operator) -> Flight:
    drone = Drone.objects.create(name="d", serial="s", connection="tcp:127.0.0.1:5791", video_url=f"{ORIGIN}/a.m3u8")
    return Flight.objects.create(drone=drone, pilot=operator, status="flying", started_at=timezone.now())


def _post(client, flight, content: bytes, name="frame.png", content_type="image/png"):
    return client.post(
        reverse("drones_api:flight-snapshots", args=[flight.pk]),
        {"image": SimpleUploadedFile(name, content, content_type=content_type)},
    )


def test_a_snapshot_is_kept_with_the_drones_position_listed_exported_and_audited(client, flight):
    now = timezone.now()
    TrackPoint.objects.create(drone=flight.drone, at=now - dt.timedelta(seconds=30), lat=36.0, lon=118.0, alt_rel_m=5)
    TrackPoint.objects.create(drone=flight.drone, at=now, lat=36.1852, lon=118.1702, alt_rel_m=31.5)
    response = _post(client, flight, _image("PNG"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["lat"], body["lon"], body["alt_rel_m"]) == (36.1852, 118.1702, 31.5)
    snapshot = FlightSnapshot.objects.get()
    assert bytes(snapshot.image)[:3] == b"\xff\xd8\xff" and (snapshot.width, snapshot.height) == (32, 24)
    # The image is served, as a JPEG never sniffed as anything else.
    image = client.get(body["image_url"])
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg" and image["X-Content-Type-Options"]
    log = client.get(reverse("drones_api:flight-log", args=[flight.pk])).json()
    assert [s["id"] for s in log["snapshots"]] == [snapshot.pk] and log["snapshots"][0]["lat"] == 36.1852
    exported = b"".join(client.get(reverse("drones_api:flight-export", args=[flight.pk]) + "?type=geojson"))
    features = [f for f in json.loads(exported)["features"] if f["properties"]["kind"] == "snapshot"]
    assert features[0]["geometry"]["coordinates"][:2] == [118.1702, 36.1852]
    kml = b"".join(client.get(reverse("drones_api:flight-export", args=[flight.pk]) + "?type=kml")).decode()
    assert "<Placemark><name>snapshot" in kml and "118.1702000,36.1852000" in kml
    entry = AuditLogEntry.objects.get(action="flight.snapshot")
    assert entry.object_id == str(flight.pk) and entry.after["snapshot"] == snapshot.pk


def test_a_jpeg_snapshot_without_a_known_position_is_kept_without_one(client, flight):
    response = _post(client, flight, _image("JPEG"), name="frame.jpg", content_type="image/jpeg")
    assert response.status_code == 201 and response.json()["lat"] is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (_image("GIF"), "must be a PNG or JPEG image"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "must be a PNG or JPEG image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not an image"),
        (b"", "is empty"),
    ],
    ids=["gif", "svg", "damaged-png", "empty"],
)
def test_a_snapshot_that_is_not_a_png_or_jpeg_is_refused_and_nothing_is_kept(client, flight, content, message):
    response = _post(client, flight, content)
    assert response.status_code == 400 and message in response.json()["detail"], response.json()
    assert not FlightSnapshot.objects.exists()
    assert AuditLogEntry.objects.filter(action="flight.snapshot.refused").exists()


def test_an_oversized_snapshot_is_refused_before_it_is_read(client, flight, settings):
    settings.DRONE_SNAPSHOT_MAX_BYTES = 1024
    content = _image("PNG", size=(400, 300)) + b"\x00" * 2048
    response = _post(client, flight, content)
    assert response.status_code == 413
    assert "at most 1 KB" in response.json()["detail"], response.json()
    assert not FlightSnapshot.objects.exists()


def test_a_snapshot_post_without_the_image_field_says_what_to_send(client, flight):
    response = client.post(reverse("drones_api:flight-snapshots", args=[flight.pk]), {"file": "x"})
    assert response.status_code == 400 and "“image”" in response.json()["detail"]


def test_someone_who_only_watches_drones_cannot_take_snapshots(client, flight):
    client.force_login(make_user(Role.LEADERSHIP, username="leader"))
    response = _post(client, flight, _image("PNG"))
    assert response.status_code == 403 and not FlightSnapshot.objects.exists()
