"""``/ws/incidents/``: who is let in, and who hears of a new report, a status change, an escalation."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from common.roles import Role
from incidents.consumers import IncidentConsumer
from incidents.escalation import escalation_loop, incidents_escalate
from incidents.handle.services import incident_transition
from incidents.models import IncidentEvent
from incidents.notify import incident_notify_new
from tests.factories import make_user
from tests.incidents.conftest import T0, build_incident_county

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def communicator(user) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(IncidentConsumer.as_asgi(), "/ws/incidents/")
    comm.scope["user"] = user
    return comm


async def connect(user) -> WebsocketCommunicator:
    comm = communicator(user)
    connected, _ = await comm.connect()
    assert connected
    assert (await comm.receive_json_from())["type"] == "subscribed"
    return comm


@pytest.mark.parametrize(("role", "code"), [(None, 4401), (Role.DRONE_OPERATOR, 4403)])
async def test_anonymous_and_pilots_are_refused(role, code):
    user = AnonymousUser() if role is None else await sync_to_async(make_user)(role)
    connected, close_code = await communicator(user).connect()
    assert not connected and close_code == code


async def test_new_report_reaches_liaison_duty_desk_and_brigade_not_another_station():
    county = await sync_to_async(build_incident_county)()
    incident = await sync_to_async(county.incident)(severity="urgent")
    liaison = await connect(county.liaison_user)
    desk = await connect(county.desk_user)
    brigade = await connect(county.scheduler)
    other = await connect(county.other_user)
    staff_b = await connect(county.staff_b)
    await sync_to_async(incident_notify_new)(incident.pk)
    for comm in (liaison, desk, brigade):
        event = await comm.receive_json_from(timeout=5)
        assert event["type"] == "new" and event["incident"]["reference"] == incident.reference
        assert event["incident"]["liaison"] == {"name": county.liaison.name, "phone": "13900000001"}
        assert event["incident"]["school"]["name"] == county.school.name
        assert event["incident"]["point"] == {"lat": county.school.lat, "lon": county.school.lon}
        assert event["incident"]["url"].endswith(f"/handle/{incident.pk}/")
        # The liaison sits in their user group and the station's: still one event.
        assert await comm.receive_nothing(timeout=0.2)
    assert await other.receive_nothing(timeout=0.2)
    assert await staff_b.receive_nothing(timeout=0.2)
    for comm in (liaison, desk, brigade, other, staff_b):
        await comm.disconnect()


async def test_liaison_of_another_station_gets_it_on_their_own_socket():
    county = await sync_to_async(build_incident_county)()
    incident = await sync_to_async(county.incident)(station=county.station_b)
    liaison = await connect(county.liaison_user)
    other = await connect(county.other_user)  # station B's duty desk
    await sync_to_async(incident_notify_new)(incident.pk)
    assert (await liaison.receive_json_from(timeout=5))["type"] == "new"
    assert (await other.receive_json_from(timeout=5))["type"] == "new"
    await liaison.disconnect()
    await other.disconnect()


async def test_status_change_reaches_the_schools_staff_after_commit():
    county = await sync_to_async(build_incident_county)()
    incident = await sync_to_async(county.incident)()
    staff = await connect(county.staff)
    staff_b = await connect(county.staff_b)
    await sync_to_async(incident_transition)(incident=incident, to_status="acknowledged", actor=county.liaison_user)
    event = await staff.receive_json_from(timeout=5)
    assert (event["type"], event["to_status"], event["incident"]["status"]) == (
        "status",
        "acknowledged",
        "acknowledged",
    )
    assert await staff_b.receive_nothing(timeout=0.2)
    with pytest.raises(Exception, match="next is On scene"):
        await sync_to_async(incident_transition)(incident=incident, to_status="resolved", actor=county.liaison_user)
    assert await staff.receive_nothing(timeout=0.2)
    await staff.disconnect()
    await staff_b.disconnect()


async def test_escalation_reaches_the_station_head_then_the_brigade():
    county = await sync_to_async(build_incident_county)()
    await sync_to_async(county.incident)(severity="medium")
    head = await connect(county.head_user)
    brigade = await connect(county.scheduler)
    staff = await connect(county.staff)
    await sync_to_async(incidents_escalate)(now=T0 + dt.timedelta(minutes=60))
    event = await head.receive_json_from(timeout=5)
    assert (event["type"], event["level"]) == ("escalated", 1)
    assert (await brigade.receive_json_from(timeout=5))["level"] == 1
    await sync_to_async(incidents_escalate)(now=T0 + dt.timedelta(minutes=120))
    assert (await brigade.receive_json_from(timeout=5))["level"] == 2
    assert await staff.receive_nothing(timeout=0.2)  # escalations are internal
    for comm in (head, brigade, staff):
        await comm.disconnect()


async def test_escalation_loop_runs_passes_until_cancelled(settings):
    settings.INCIDENT_ACK_MINUTES = {"urgent": 1, "high": 1, "medium": 1, "low": 1}
    county = await sync_to_async(build_incident_county)()
    await sync_to_async(county.incident)()  # reported at T0, long ago: due for both steps
    task = asyncio.create_task(escalation_loop(0.05))
    for _ in range(100):
        if await sync_to_async(IncidentEvent.objects.filter(kind="escalated").count)() == 2:
            break
        await asyncio.sleep(0.05)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert await sync_to_async(IncidentEvent.objects.filter(kind="escalated").count)() == 2
