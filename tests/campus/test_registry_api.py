"""Registry writes through the API: validated, resolved to a station, audited; bad input names the field."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campus.models import School
from common.models import AuditLogEntry
from tests.factories import square

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


SCHOOL = {"code": "S1", "name": "First", "level": "primary", "area": "rural", "lat": 36.18, "lon": 118.17}


def test_create_school_resolves_station_and_audits(client, scheduler, station):
    client.force_login(scheduler)
    response = client.post(reverse("campus_api:school-list"), SCHOOL, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["responsible_station"] == station.pk
    assert AuditLogEntry.objects.get(action="school.create").actor == scheduler


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"lat": 118.17, "lon": 36.18}, "lat", "look swapped"),
        ({"lat": 48.85, "lon": 2.35}, "lat", "outside China"),
        ({"level": "university"}, "level", "not a valid choice"),
        (
            {
                "campus": {
                    "type": "Polygon",
                    "coordinates": [[[118.0, 36.0], [118.1, 36.1], [118.1, 36.0], [118.0, 36.1], [118.0, 36.0]]],
                }
            },
            "campus",
            "Self-intersection",
        ),
    ],
)
def test_bad_school_is_refused_naming_the_field_and_nothing_is_written(
    client, scheduler, station, change, field, message
):
    client.force_login(scheduler)
    response = client.post(reverse("campus_api:school-list"), {**SCHOOL, **change}, content_type="application/json")
    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert not School.objects.exists() and not AuditLogEntry.objects.exists()


def test_station_jurisdiction_change_reassigns_schools(client, admin_user, station):
    client.force_login(admin_user)
    client.post(reverse("campus_api:school-list"), SCHOOL, content_type="application/json")
    other = client.post(
        reverse("campus_api:station-list"),
        {"code": "X", "name": "X", "jurisdiction": square(36.5, 118.5, 0.05)},
        content_type="application/json",
    ).json()
    moved = client.patch(
        reverse("campus_api:station-detail", args=[station.pk]),
        {"jurisdiction": square(36.6, 118.6, 0.01)},
        content_type="application/json",
    )
    assert moved.status_code == 200
    assert School.objects.get().responsible_station_id is None
    client.patch(
        reverse("campus_api:station-detail", args=[other["id"]]),
        {"jurisdiction": square(36.18, 118.17, 0.05)},
        content_type="application/json",
    )
    assert School.objects.get().responsible_station_id == other["id"]
    assert AuditLogEntry.objects.filter(action="school.responsibility").count() == 2
