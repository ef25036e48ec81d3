"""Issue 11, finding 5: one legal 64 MP PNG took the server from 352 MB to 1.4 GB.

Each decode is measured in a fresh Python process (peak resident memory before and after), so what the
test process already holds does not hide it. The PNGs are written by hand (zlib-compressed blank rows):
a 64 MP image is a few hundred KB on disk.
"""

from __future__ import annotations

import struct
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from common import images
from common.images import ImageRefused, jpeg_reencode
from incidents.photos import PhotoUpload, photos_check

ROOT = Path(__file__).resolve().parents[2]


def blank_png(width: int, height: int, *, rgba: bool = False) -> bytes:
    """A valid PNG of white pixels, compressed row by row (no image of that size is held in memory)."""
    channels = 4 if rgba else 3
    row = b"\x00" + b"\xff" * (width * channels)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6 if rgba else 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


MEASURE = """
import os, resource, sys
import django
django.setup()
from common.images import ImageRefused, jpeg_reencode
content = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    out = jpeg_reencode(content, max_side_px=2048, max_pixels=64_000_000)
    result = f"ok {out.width}x{out.height}"
except ImageRefused as exc:
    result = "refused " + exc.message
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((after - before) // 1024)
print(result)
"""


def measure(tmp_path: Path, content: bytes) -> tuple[int, str]:
    """(peak memory growth in MB, outcome) of re-encoding ``content`` in a fresh process."""
    path = tmp_path / "image.bin"
    path.write_bytes(content)
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.test", "PATH": "/usr/bin:/bin", "LANGUAGE": "en"}
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    grown, outcome = done.stdout.strip().splitlines()[-2:]
    return int(grown), outcome


def test_a_64_megapixel_png_is_refused_before_it_is_decoded(tmp_path):
    grown_mb, outcome = measure(tmp_path, blank_png(8000, 8000))
    assert outcome.startswith("refused")
    assert "8000 × 8000" in outcome and "PNG" in outcome
    assert grown_mb < 64, f"refusing the PNG took {grown_mb} MB"


def test_a_30_megapixel_png_is_decoded_once_and_shrunk_in_place(tmp_path):
    # 6000 × 5000 RGB: 120 MB decoded. Before, the upright copy, the RGB conversion and the fresh copy
    # held three more full-size images at once.
    grown_mb, outcome = measure(tmp_path, blank_png(6000, 5000))
    assert outcome == "ok 2048x1707"
    assert grown_mb < 200, f"re-encoding a 30 MP PNG (458 MB before) took {grown_mb} MB"


def test_a_transparent_png_is_flattened_after_shrinking(tmp_path):
    grown_mb, outcome = measure(tmp_path, blank_png(5000, 5000, rgba=True))
    assert outcome == "ok 2048x2048"
    # Resizing premultiplies alpha in a full-size copy: two images of 100 MB at the peak (was 437 MB).
    assert grown_mb < 260, f"re-encoding a 25 MP RGBA PNG took {grown_mb} MB"


def test_a_large_jpeg_is_decoded_at_a_reduced_scale(tmp_path):
    from PIL import Image

    buffer = __import__("io").BytesIO()
    Image.new("RGB", (7000, 5000), (200, 120, 40)).save(buffer, format="JPEG", quality=70)
    grown_mb, outcome = measure(tmp_path, buffer.getvalue())
    assert outcome == "ok 2048x1463"
    # Decoded at 1/2 scale at most (3500 × 2500, 35 MB), not at 35 MP (140 MB).
    assert grown_mb < 100, f"re-encoding a 35 MP JPEG took {grown_mb} MB"


def test_the_orientation_is_still_applied_after_shrinking():
    from PIL import Image

    image = Image.new("RGB", (400, 200), (10, 20, 30))
    exif = image.getexif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    buffer = __import__("io").BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    out = jpeg_reencode(buffer.getvalue(), max_side_px=100)
    assert (out.width, out.height) == (50, 100)


@override_settings(INCIDENT_PHOTOS_MAX_PIXELS_TOTAL=2_000_000, INCIDENT_PHOTO_MAX_BYTES=10_000_000)
def test_the_pixels_of_one_report_are_capped_together():
    one = PhotoUpload(name="a.png", content=blank_png(1200, 1000))
    photos_check([one])  # 1.2 MP alone is fine
    with pytest.raises(ValidationError) as refused:
        photos_check([one, PhotoUpload(name="b.png", content=blank_png(1200, 1000))])
    assert "2" in str(refused.value.message_dict["photos"])


@override_settings(IMAGE_DECODE_MAX_BYTES=16 * 1024 * 1024)
def test_the_decoded_size_limit_is_a_setting():
    with pytest.raises(ImageRefused):
        jpeg_reencode(blank_png(3000, 2000), max_side_px=512)  # 24 MB decoded


def test_images_decode_a_few_at_a_time(monkeypatch):
    monkeypatch.setattr(images, "_slots", threading.BoundedSemaphore(1))
    running = []
    most = []
    real = images._reencode

    def slow(content, **kwargs):
        running.append(1)
        most.append(len(running))
        time.sleep(0.05)
        try:
            return real(content, **kwargs)
        finally:
            running.pop()

    monkeypatch.setattr(images, "_reencode", slow)
    content = blank_png(64, 64)
    threads = [threading.Thread(target=jpeg_reencode, args=(content,), kwargs={"max_side_px": 32}) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most and max(most) == 1
