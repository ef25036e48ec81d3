"""Photos: real images only, re-encoded as JPEG without EXIF/GPS, upright, scaled down, with limits."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from incidents.models import IncidentPhoto
from incidents.photos import PhotoUpload, photo_process
from tests.incidents.test_report_support import (  # noqa: F401
    World,
    counts,
    english_fixture,
    jpeg_bytes,
    photo,
    png_bytes,
    world_fixture,
)


def _decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_exif_gps_is_stripped(world: World):
    original = jpeg_bytes(gps=True)
    assert _decoded(original).getexif().get_ifd(0x8825)  # the phone photo has a GPS position
    incident, _ = world.report(photos=[photo("IMG_0001.jpg", original)])
    stored = incident.photos.get()
    out = _decoded(bytes(stored.image))
    assert out.format == "JPEG"
    assert len(out.getexif()) == 0
    assert b"Exif" not in bytes(stored.image)
    assert "exif" not in out.info and "icc_profile" not in out.info
    assert stored.original_name == "IMG_0001.jpg" and stored.content_type == "image/jpeg"
    assert stored.size_bytes == len(bytes(stored.image))


def test_exif_orientation_is_applied_before_stripping():
    # Orientation 6: the camera stored it sideways; the viewer must rotate 90° clockwise.
    processed = photo_process(PhotoUpload("side.jpg", jpeg_bytes((64, 32), orientation=6)))
    assert (processed.width, processed.height) == (32, 64)


def test_large_photo_is_scaled_down(settings):
    settings.INCIDENT_PHOTO_MAX_SIDE_PX = 256
    processed = photo_process(PhotoUpload("big.jpg", jpeg_bytes((1200, 600))))
    assert max(processed.width, processed.height) <= 256
    assert _decoded(processed.jpeg).size == (processed.width, processed.height)


def test_png_with_transparency_becomes_jpeg():
    processed = photo_process(PhotoUpload("shot.png", png_bytes()))
    assert _decoded(processed.jpeg).format == "JPEG"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("evil.jpg", b"<script>alert(1)</script> definitely a jpeg", "evil.jpg: the file is not an image"),
        ("notes.jpg", b"just some text\n" * 100, "notes.jpg: the file is not an image"),
        ("truncated.jpg", jpeg_bytes((400, 300))[:200], "truncated.jpg: the file is not an image"),
        ("doc.png", b"%PDF-1.4 not an image", "doc.png: the file is not an image"),
    ],
)
def test_non_images_are_refused_whatever_their_name(world: World, name, content, message):
    before = counts()
    with pytest.raises(ValidationError) as info:
        world.report(photos=[photo("fine.jpg"), photo(name, content)])
    assert message in " ".join(info.value.message_dict["photos"])
    assert counts() == before


def test_unaccepted_image_format_is_refused(world: World):
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="TIFF")
    with pytest.raises(ValidationError, match="scan.tif: TIFF images are not accepted"):
        world.report(photos=[photo("scan.tif", out.getvalue())])
    assert IncidentPhoto.objects.count() == 0


def test_oversized_photo_is_refused(world: World, settings):
    settings.INCIDENT_PHOTO_MAX_BYTES = 2048
    big = jpeg_bytes((400, 400))
    assert len(big) > 2048
    before = counts()
    with pytest.raises(ValidationError) as info:
        world.report(photos=[photo("huge.jpg", big)])
    assert "huge.jpg is" in info.value.message_dict["photos"][0]
    assert "at most" in info.value.message_dict["photos"][0]
    assert counts() == before


def test_too_many_photos_are_refused(world: World, settings):
    settings.INCIDENT_PHOTOS_MAX = 2
    before = counts()
    with pytest.raises(ValidationError) as info:
        world.report(photos=[photo(f"p{i}.jpg") for i in range(3)])
    assert "3 photos were sent; a report may have at most 2" in info.value.message_dict["photos"][0]
    assert counts() == before


def test_decompression_bomb_is_refused(world: World, settings):
    settings.INCIDENT_PHOTO_MAX_PIXELS = 10_000
    before = counts()
    with pytest.raises(ValidationError) as info:
        world.report(photos=[photo("bomb.png", png_bytes((200, 200), mode="1"))])
    assert "bomb.png: the image is 200 × 200 pixels" in info.value.message_dict["photos"][0]
    assert counts() == before


def test_pillow_bomb_guard_is_reported_clearly(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # Pillow warns above this, refuses above twice this
    with pytest.raises(ValidationError, match="bomb.png: the image has too many pixels"):
        photo_process(PhotoUpload("bomb.png", png_bytes((12, 12), mode="1")))
