"""Live video in headless Chromium: an HLS stream Debian's ffmpeg makes from a test pattern, served on
port 8032, plays on the flight page and in the live map's drone panel (phone and desktop, zh-hans and en:
the <video> moves on); a snapshot lands in the flight log (the page and the API); a video server that sends
no CORS header gets the clear message instead of a silent failure.

Skipped, with the reason, where ffmpeg is missing (``.ci/run`` installs Debian's ffmpeg).
"""

from __future__ import annotations

import copy
import functools
import shutil
import subprocess
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from common.roles import Role
from drones.models import Airspace, Drone, Flight, FlightSnapshot, TrackPoint
from tests.browser.pages import fits
from tests.factories import SchoolFactory, UserFactory, square

FFMPEG = shutil.which("ffmpeg")
PORT = 8032
ORIGIN = f"http://127.0.0.1:{PORT}"
PASSWORD = "pw-video-1"
pytestmark = pytest.mark.skipif(FFMPEG is None, reason="ffmpeg is not installed (Debian package 'ffmpeg')")


class _StreamHandler(SimpleHTTPRequestHandler):
    """The stream's directory under /cors/ (with Access-Control-Allow-Origin) and /nocors/ (without)."""

    def translate_path(self, path):
        self.cors = path.startswith("/cors/")
        return super().translate_path(path.split("/", 2)[-1] if path.count("/") >= 2 else path)

    def end_headers(self):
        if getattr(self, "cors", False):
            self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture(scope="module")
def hls_stream(tmp_path_factory):
    """ffmpeg writing a live HLS playlist of a test pattern, served by a local HTTP server on ``PORT``."""
    folder = tmp_path_factory.mktemp("hls")
    command = [
        FFMPEG, "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "10", "-f", "hls",
        "-hls_time", "1", "-hls_list_size", "5", "-hls_flags", "delete_segments", str(folder / "live.m3u8"),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    server = ThreadingHTTPServer(("127.0.0.1", PORT), functools.partial(_StreamHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not (folder / "live.m3u8").exists():
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "ffmpeg wrote no playlist"
            time.sleep(0.2)
        yield ORIGIN
    finally:
        server.shutdown()
        server.server_close()
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def video_settings(settings):
    """The stream's origin allowed for the drones' video and in the pages' CSP."""
    settings.DRONE_VIDEO_ORIGINS = [ORIGIN]
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    for directive in ("media-src", "connect-src"):
        policy["DIRECTIVES"][directive] = [*policy["DIRECTIVES"][directive], ORIGIN]
    settings.CONTENT_SECURITY_POLICY = policy


def _flight(path: str) -> Flight:
    user = UserFactory(username="pilot", password=PASSWORD, roles=[Role.DRONE_OPERATOR])
    drone = Drone.objects.create(
        name="巡逻一号", serial="SN-1", connection="tcp:127.0.0.1:5799", video_url=f"{ORIGIN}{path}"
    )
    drone.full_clean()
    return Flight.objects.create(drone=drone, pilot=user, status="flying", started_at=timezone.now())


def _open(signed_in, width: int, language: str):
    page = signed_in("pilot", PASSWORD, 390 if width == 390 else 1280, language)
    if width != 390:
        page.set_viewport_size({"width": width, "height": 800})
    return page


def _advances(page, selector: str) -> None:
    """The video plays and its time moves on by more than a second of stream."""
    page.wait_for_selector(f"{selector}[data-state=playing]", timeout=30_000)
    start = page.eval_on_selector(f"{selector} video", "v => v.currentTime")
    page.wait_for_function(
        f"() => document.querySelector('{selector} video').currentTime > {start} + 1", timeout=30_000
    )


@pytest.mark.parametrize("width", [390, 1366])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_drones_video_plays_on_the_flight_page_and_the_live_map_and_a_snapshot_goes_to_the_log(
    hls_stream, video_settings, live_url, signed_in, width, language
):
    flight = _flight("/cors/live.m3u8")
    SchoolFactory(name="城关小学", lat=36.18, lon=118.17)
    Airspace.objects.create(name="医院禁飞区", kind=Airspace.Kind.NO_FLY, geometry=square(36.19, 118.18, 0.002))
    page = _open(signed_in, width, language)
    page.goto(f"{live_url}/drones/flights/{flight.pk}/")
    # The flight's map has the live map's layers: schools, zones (and markets), switchable.
    page.wait_for_function("() => document.getElementById('flight-map').dataset.airspaceFeatures === '1'")
    assert page.get_attribute("#flight-map", "data-school-count") == "1"
    assert page.locator(".leaflet-control-layers-overlays label").count() >= 3
    _advances(page, "#flight-video")
    assert page.eval_on_selector("#flight-video video", "v => v.muted && v.playsInline && v.autoplay")
    assert fits(page)

    # A snapshot keeps the frame with where the drone was.
    TrackPoint.objects.create(drone=flight.drone, at=timezone.now(), lat=36.1852, lon=118.1702, alt_rel_m=30.0)
    page.click("#btn-snapshot")
    page.wait_for_selector("#snapshot-list li[data-snapshot]")
    assert page.get_attribute("#snapshot-result", "data-state") == "ok"
    item = page.inner_text("#snapshot-list li")
    assert "36.185200, 118.170200" in item and "30.0 m" in item
    # the thumbnail is fetched after the list item appears: wait for it to load, then read its size
    page.wait_for_function(
        "() => { const img = document.querySelector('#snapshot-list img'); return img && img.complete; }"
    )
    assert page.eval_on_selector("#snapshot-list img", "img => img.naturalWidth") == 320
    snapshot = FlightSnapshot.objects.get(flight=flight)
    assert (snapshot.width, snapshot.height, snapshot.lat) == (320, 240, 36.1852)
    log = page.evaluate(
        "url => fetch(url, {headers: {Accept: 'application/json'}}).then(r => r.json())",
        f"/api/drones/flights/{flight.pk}/log/",
    )
    assert [s["id"] for s in log["snapshots"]] == [snapshot.pk]
    assert page.refusals == []

    # The same stream in the drone's panel on the live map.
    page.goto(f"{live_url}/drones/map/")
    _advances(page, "#detail-video")
    assert fits(page)
    assert page.refusals == []


def test_a_video_server_without_cors_gets_a_clear_message_not_a_silent_failure(
    hls_stream, video_settings, live_url, signed_in
):
    flight = _flight("/nocors/live.m3u8")
    page = _open(signed_in, 1366, "en")
    page.goto(f"{live_url}/drones/flights/{flight.pk}/")
    # Chromium's player cannot read the stream; if it plays it natively, the frame still cannot be read.
    page.wait_for_function(
        "() => ['cors', 'playing'].includes(document.getElementById('flight-video').dataset.state)", timeout=30_000
    )
    if page.get_attribute("#flight-video", "data-state") == "cors":
        assert "(CORS)" in page.inner_text("#flight-video .videostatus")
    page.click("#btn-snapshot")
    page.wait_for_selector("#snapshot-result[data-state=cors]")
    assert page.inner_text("#snapshot-result") == "The video server does not allow snapshots (CORS)."
    assert not FlightSnapshot.objects.exists()
    assert page.refusals == []
