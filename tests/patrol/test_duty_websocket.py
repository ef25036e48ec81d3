"""The board socket: authentication, school scoping, station subscription, events after commit."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from common.roles import Role
from patrol.duty.consumers import BoardConsumer
from patrol.duty.events import board_publish_shift
from patrol.duty.services import duty_check_in
from tests.factories import GateFactory, make_user
from tests.patrol.factories import DutyShiftFactory, PostFactory, local
from tests.patrol.test_duty_helpers import DAY, GATE_LAT, GATE_LON, build_day

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def communicator(user) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(BoardConsumer.as_asgi(), "/ws/patrol/board/")
    comm.scope["user"] = user
    return comm


async def _connect(user) -> WebsocketCommunicator:
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


async def test_staff_without_a_school_are_refused():
    user = await sync_to_async(make_user)(Role.SCHOOL_STAFF)
    connected, close_code = await communicator(user).connect()
    assert not connected and close_code == 4403


async def test_a_check_in_reaches_a_connected_board_after_commit():
    day = await sync_to_async(build_day)()
    viewer = await sync_to_async(make_user)(Role.BRIGADE_SCHEDULER)
    comm = await _connect(viewer)
    await sync_to_async(duty_check_in)(
        assignment=day.assignment, actor=day.user, lat=GATE_LAT, lon=GATE_LON, at=local(DAY, 7, 10)
    )
    event = await comm.receive_json_from(timeout=5)
    assert event["type"] == "shift" and event["shift"]["id"] == day.shift.id
    person = event["shift"]["people"][0]
    assert person["status"] == "on_duty" and person["checked_in_at"].startswith("2026-09-07T07:10")
    assert await comm.receive_nothing(timeout=0.2)  # once, though published to three groups
    await comm.disconnect()


async def test_nothing_is_published_when_the_check_in_is_refused():
    day = await sync_to_async(build_day)()
    viewer = await sync_to_async(make_user)(Role.BRIGADE_SCHEDULER)
    comm = await _connect(viewer)
    with pytest.raises(Exception, match="opens at"):
        await sync_to_async(duty_check_in)(
            assignment=day.assignment, actor=day.user, lat=GATE_LAT, lon=GATE_LON, at=local(DAY, 5, 0)
        )
    assert await comm.receive_nothing(timeout=0.2)
    await comm.disconnect()


async def test_school_staff_get_only_their_schools_events():
    day = await sync_to_async(build_day)()

    def other_shift():
        gate = GateFactory(school=day.other_school, lat=GATE_LAT + 0.01, lon=GATE_LON)
        return DutyShiftFactory(
            term=day.term, post=PostFactory(gate=gate), date=DAY, start=local(DAY, 7, 20), end=local(DAY, 8, 0)
        )

    shift_b = await sync_to_async(other_shift)()
    staff_a = await sync_to_async(make_user)(Role.SCHOOL_STAFF, school=day.school, username="staff_a")
    comm = await _connect(staff_a)
    # Asking for the whole county or a station changes nothing for school staff.
    await comm.send_json_to({"type": "subscribe", "station": None})
    assert (await comm.receive_json_from())["group"] == "school"
    await sync_to_async(board_publish_shift)(shift_b.id)
    assert await comm.receive_nothing(timeout=0.2)
    await sync_to_async(board_publish_shift)(day.shift.id)
    assert (await comm.receive_json_from(timeout=5))["shift"]["id"] == day.shift.id
    await comm.disconnect()


async def test_station_subscription_filters_events():
    day = await sync_to_async(build_day)()
    viewer = await sync_to_async(make_user)(Role.LEADERSHIP)
    comm = await _connect(viewer)
    await comm.send_json_to({"type": "subscribe", "station": day.station.id + 999})
    assert (await comm.receive_json_from())["type"] == "error"
    await comm.send_json_to({"type": "subscribe", "station": day.station.id})
    reply = await comm.receive_json_from()
    assert reply == {"type": "subscribed", "group": "station", "station": day.station.id}
    await sync_to_async(board_publish_shift)(day.shift.id)
    assert (await comm.receive_json_from(timeout=5))["shift"]["station"]["id"] == day.station.id
    assert await comm.receive_nothing(timeout=0.2)
    await comm.disconnect()
    await asyncio.sleep(0)
    assert get_channel_layer() is not None


async def test_a_full_channel_layer_does_not_fail_a_committed_check_in(monkeypatch, caplog):
    from channels.exceptions import ChannelFull

    from patrol.models import CheckIn

    class FullLayer:
        async def group_send(self, group, message):
            raise ChannelFull()

    day = await sync_to_async(build_day)()
    monkeypatch.setattr("common.publish.get_channel_layer", FullLayer)
    checkin = await sync_to_async(duty_check_in)(
        assignment=day.assignment, actor=day.user, lat=GATE_LAT, lon=GATE_LON, at=local(DAY, 7, 10)
    )
    assert await CheckIn.objects.filter(pk=checkin.pk).aexists()
    assert [r.name for r in caplog.records if r.levelno >= 40] == ["common.publish"]  # logged once
