"""Issue 11, finding 14: drone connection strings accepted any host and ``udpin:0.0.0.0``.

Only hosts, networks and ports the bureau configures (``DRONE_LINK_*``) may be stored or opened.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from common.roles import Role
from drones.linkpolicy import connection_problem, parse_ports
from drones.links import LinkRefused, open_vehicle
from drones.models import Drone, validate_connection
from tests.drones.test_fleet import GOOD
from tests.factories import make_user

ALLOWED = ["tcp:127.0.0.1:5760", "udpin:127.0.0.1:14550", "udpout:127.0.0.1:14550", "tcp:localhost:5770"]
REFUSED = {
    "tcp:10.0.0.5:5432": "DRONE_LINK_NETWORKS",  # another server on the bureau's network
    "tcp:169.254.169.254:8080": "DRONE_LINK_NETWORKS",
    "udpin:0.0.0.0:14550": "every interface",
    "udp::14550": "every interface",
    "tcp:db.example.org:5760": "DRONE_LINK_HOSTS",
    "tcp:127.0.0.1:22": "DRONE_LINK_PORTS",
    "tcp:127.0.0.1:70000": "out of range",
}


@pytest.mark.parametrize("connection", ALLOWED)
def test_the_default_allows_this_machine(connection):
    assert connection_problem(connection) is None
    validate_connection(connection)


@pytest.mark.parametrize(("connection", "why"), REFUSED.items())
def test_the_default_refuses_other_hosts_all_interfaces_and_privileged_ports(connection, why):
    with pytest.raises(ValidationError) as refused:
        validate_connection(connection)
    assert why in " ".join(refused.value.messages)


@override_settings(
    DRONE_LINK_NETWORKS=["10.20.0.0/24"], DRONE_LINK_HOSTS=["radio-gw"], DRONE_LINK_PORTS="14550-14560,5760"
)
def test_the_bureau_configures_its_radio_network():
    assert connection_problem("udpin:10.20.0.1:14550") is None
    assert connection_problem("tcp:radio-gw:5760") is None
    assert "DRONE_LINK_NETWORKS" in connection_problem("tcp:127.0.0.1:5760")
    assert "DRONE_LINK_PORTS" in connection_problem("udpin:10.20.0.1:14561")
    assert "DRONE_LINK_NETWORKS" in connection_problem("udpin:10.20.1.1:14550")


def test_port_ranges_are_parsed_strictly():
    assert parse_ports("5760-5860, 14550") == ((5760, 5860), (14550, 14550))
    for bad in ("", "5760-", "90-80", "x", "0-10", "70000"):
        with pytest.raises(ValueError):
            parse_ports(bad)


def test_the_bridge_does_not_open_a_link_stored_before_the_rule():
    with pytest.raises(LinkRefused) as refused:
        open_vehicle("tcp:10.0.0.5:5432")
    assert refused.value.code == "link_refused" and "DRONE_LINK_NETWORKS" in str(refused.value)


@pytest.mark.django_db
@pytest.mark.parametrize("connection", ["udpin:0.0.0.0:14550", "tcp:10.0.0.5:5432"])
def test_the_fleet_api_refuses_a_connection_outside_the_rule(client, connection):
    client.force_login(make_user(Role.DRONE_OPERATOR))
    body = {**GOOD, "connection": connection}
    response = client.post(reverse("drones_api:drone-list"), body, content_type="application/json")
    assert response.status_code == 400 and "connection" in response.json()
    assert not Drone.objects.filter(serial=GOOD["serial"]).exists()


@pytest.mark.django_db
def test_the_drone_page_refuses_it_too(client):
    client.force_login(make_user(Role.DRONE_OPERATOR))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(reverse("drones:drone_add"), {**GOOD, "connection": "udpin:0.0.0.0:14550"})
    assert response.status_code == 200 and "every interface" in response.content.decode()
    assert not Drone.objects.filter(serial=GOOD["serial"]).exists()
