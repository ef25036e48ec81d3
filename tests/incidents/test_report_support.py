"""Fixtures and helpers shared by the reporting tests (no tests here; import the fixtures by name)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from PIL import ExifTags, Image

from campus.models import LiaisonAssignment
from common.models import AuditLogEntry
from common.roles import Role
from incidents.models import Incident, IncidentEvent, IncidentPhoto
from incidents.photos import PhotoUpload
from incidents.report.services import incident_report
from tests.factories import GateFactory, OfficerFactory, SchoolFactory, StationFactory, make_user, square


def jpeg_bytes(size: tuple[int, int] = (64, 32), *, gps: bool = False, orientation: int | None = None) -> bytes:
    """A JPEG, optionally with an EXIF GPS position and an orientation tag, like a phone photo."""
    image = Image.new("RGB", size, (30, 120, 200))
    image.paste((250, 250, 0), (0, 0, size[0] // 2, size[1] // 2))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    if gps:
        exif[ExifTags.Base.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (36.0, 10.0, 48.0),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (118.0, 10.0, 12.0),
        }
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def png_bytes(size: tuple[int, int] = (20, 20), mode: str = "RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, format="PNG")
    return out.getvalue()


def counts() -> tuple[int, int, int, int]:
    """(incidents, events, photos, audit entries): what a refused report must leave unchanged."""
    return (
        Incident.objects.count(),
        IncidentEvent.objects.count(),
        IncidentPhoto.objects.count(),
        AuditLogEntry.objects.filter(action__startswith="incident.").count(),
    )


class World:
    def __init__(self) -> None:
        self.station = StationFactory(jurisdiction=square(36.18, 118.17, 0.2), duty_phone="0539-1100110")
        self.school = SchoolFactory(lat=36.18, lon=118.17)
        self.other_school = SchoolFactory(lat=36.19, lon=118.18)
        self.officer = OfficerFactory(station=self.station, name="Li Wei", phone="13900000001")
        LiaisonAssignment.objects.create(
            school=self.school, officer=self.officer, station_at_start=self.station, started_at=timezone.now()
        )
        self.gate = GateFactory(school=self.school, name="North gate", lat=36.1801, lon=118.1701)
        self.other_gate = GateFactory(school=self.other_school, name="South gate", lat=36.1899, lon=118.1799)
        self.staff = make_user(Role.SCHOOL_STAFF, school=self.school, username="staff1")
        self.other_staff = make_user(Role.SCHOOL_STAFF, school=self.other_school, username="staff2")
        self.admin = make_user(Role.BUREAU_ADMIN, username="admin1")
        self.officer_user = make_user(Role.STATION_OFFICER, officer=self.officer, username="officer1")
        self.pilot = make_user(Role.DRONE_OPERATOR, username="pilot1")
        # One time for every report of a test: a retry is the same body only if its time is the same, and
        # two calls a second apart (slow photo processing on a busy machine) would otherwise differ.
        self.occurred_at = timezone.now() - dt.timedelta(minutes=10)

    def report(self, **overrides):
        kwargs = {
            "reporter": self.staff,
            "school": self.school,
            "category": "suspicious",
            "severity": "medium",
            "occurred_at": self.occurred_at,
            "description": "A man was filming pupils at the north gate.",
            "idempotency_key": "key-00000001",
            "reporter_name": "Wang Fang",
            "reporter_phone": "13800000002",
        }
        kwargs.update(overrides)
        return incident_report(**kwargs)


@pytest.fixture(name="world")
def world_fixture(db) -> World:
    return World()


def photo(name: str = "photo.jpg", content: bytes | None = None) -> PhotoUpload:
    return PhotoUpload(name=name, content=content if content is not None else jpeg_bytes())


@pytest.fixture(autouse=True, name="english")
def english_fixture():
    """Messages are checked in English, whatever translations exist."""
    from django.utils import translation

    with translation.override("en"):
        yield
