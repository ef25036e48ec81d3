"""Fleet pages and API: add and edit drones, pilots, batteries; bad input says what and where."""

from __future__ import annotations

import pytest
from django.urls import reverse

from common.models import AuditLogEntry
from common.roles import Role
from drones.models import Drone
from tests.factories import make_user

pytestmark = pytest.mark.django_db

GOOD = {
    "name": "巡逻九号",
    "serial": "X9",
    "airframe": "quad",
    "connection": "tcp:127.0.0.1:5790",
    "system_id": 1,
    "payloads": ["loudspeaker"],
    "endurance_min": 28,
    "cruise_speed_mps": 9,
    "status": "available",
}


@pytest.fixture
def operator(client):
    user = make_user(Role.DRONE_OPERATOR)
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return user


def test_operator_adds_a_drone_on_the_page_and_it_is_audited(client, operator):
    response = client.post(reverse("drones:drone_add"), GOOD)
    drone = Drone.objects.get(serial="X9")
    assert response.status_code == 302 and response["Location"] == reverse("drones:drone_detail", args=[drone.pk])
    assert drone.has_loudspeaker
    assert AuditLogEntry.objects.get(action="drone.create").actor == operator
    page = client.get(reverse("drones:fleet_list")).content.decode()
    assert "巡逻九号" in page and "no data" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("connection", "serial:/dev/ttyUSB0", "Use scheme:host:port"),
        ("connection", "tcp:127.0.0.1:99999", "out of range"),
        ("system_id", 300, "less than or equal to 255"),
        ("cruise_speed_mps", 90, "less than or equal to 40"),
    ],
)
def test_bad_drone_fields_are_refused_with_the_field_named(client, operator, field, value, message):
    response = client.post(reverse("drones_api:drone-list"), {**GOOD, field: value}, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json() and message in str(response.json()[field])
    assert not Drone.objects.exists() and not AuditLogEntry.objects.exists()


def test_home_swapped_coordinates_and_duplicate_link_are_refused(client, operator):
    response = client.post(
        reverse("drones_api:drone-list"),
        {**GOOD, "home_lat": 118.17, "home_lon": 36.18},
        content_type="application/json",
    )
    assert response.status_code == 400 and "swapped" in str(response.json())
    assert client.post(reverse("drones_api:drone-list"), GOOD, content_type="application/json").status_code == 201
    again = client.post(
        reverse("drones_api:drone-list"), {**GOOD, "name": "Other", "serial": "Y"}, content_type="application/json"
    )
    assert again.status_code == 400 and "connection and system id" in str(again.json())


def test_pilot_licence_and_battery_pages(client, operator):
    add = client.post(
        reverse("drones:pilot_add"), {"user": operator.pk, "licence_no": "CAAC-1", "licence_expiry": "2020-01-01"}
    )
    assert add.status_code == 302
    page = client.get(reverse("drones:pilot_list")).content.decode()
    assert "CAAC-1" in page and "expired" in page
    drone = Drone.objects.create(name="D", serial="S", connection="tcp:127.0.0.1:5760")
    client.post(
        reverse("drones:battery_add"),
        {"serial": "B-1", "drone": drone.pk, "capacity_mah": 5000, "cycles": 400, "max_cycles": 300},
    )
    assert "worn out" in client.get(reverse("drones:battery_list")).content.decode()


def test_leadership_sees_the_fleet_but_cannot_change_it(client):
    client.force_login(make_user(Role.LEADERSHIP))
    Drone.objects.create(name="D", serial="S", connection="tcp:127.0.0.1:5760")
    assert client.get(reverse("drones:fleet_list")).status_code == 200
    assert client.post(reverse("drones_api:drone-list"), GOOD, content_type="application/json").status_code == 403
