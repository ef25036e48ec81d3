"""The shipped sample files import cleanly in the documented order, and a second time change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from campus.models import LiaisonAssignment, School, Station, Zone
from campus.selectors import coverage_report
from imports.models import ImportBatch
from imports.services import import_batch_run

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
ORDER = [
    ("departments", "departments.csv", "wgs84"),
    ("stations", "stations.csv", "wgs84"),
    ("jurisdictions", "jurisdictions.geojson", "wgs84"),
    ("zones", "zones.geojson", "bd09"),
    ("schools", "schools.csv", "gcj02"),
    ("gates", "gates.csv", "wgs84"),
    ("officers", "officers.csv", "wgs84"),
    ("liaisons", "liaisons.csv", "wgs84"),
]
ALTERNATES = [
    ("schools", "schools.xlsx", "wgs84"),
    ("jurisdictions", "jurisdictions.kml", "wgs84"),
    ("jurisdictions", "jurisdictions_shp.zip", "wgs84"),
]

pytestmark = pytest.mark.django_db


def run(kind: str, name: str, crs: str) -> ImportBatch:
    content = (SAMPLES / name).read_bytes()
    return import_batch_run(kind=kind, crs=crs, filename=name, content=content, system=True, dry_run=False)


def test_sample_files_build_the_county_and_reimport_unchanged():
    for kind, name, crs in ORDER:
        batch = run(kind, name, crs)
        assert batch.status == ImportBatch.Status.APPLIED, (name, batch.report)
    assert Station.objects.count() == 12 and Zone.objects.count() == 8 and School.objects.count() == 60
    assert not School.objects.filter(responsible_station=None).exists()
    report = coverage_report()
    assert report.county.schools == 60
    assert LiaisonAssignment.objects.filter(ended_at=None).count() == report.county.schools - report.county.uncovered
    for kind, name, crs in ORDER + ALTERNATES:
        batch = run(kind, name, crs)
        assert batch.status == ImportBatch.Status.APPLIED, (name, batch.report)
        assert (batch.created_count, batch.updated_count) == (0, 0), (name, batch.report["rows"][:3])
