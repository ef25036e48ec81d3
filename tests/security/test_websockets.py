"""Websockets: a socket lives only as long as its session and role, origins are checked in full,
and bad frames get a close code and one log line (issue 11, items 10, 11 and 14)."""

from __future__ import annotations

import asyncio
import logging

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.test import Client

from common.roles import Role
from config.asgi import application
from tests.factories import make_user

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_periodic_recheck(settings):
    settings.WEBSOCKET_SESSION_RECHECK_S = 0  # tests that want it turn it on


def _signed_in(role: Role = Role.DRONE_OPERATOR) -> tuple[Client, object]:
    user = make_user(role)
    client = Client()
    client.force_login(user)
    return client, user


def _socket(client: Client | None, *, origin: bytes = b"http://localhost", host: bytes = b"localhost"):
    headers = [(b"origin", origin), (b"host", host)]
    if client is not None:
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return WebsocketCommunicator(application, "/ws/drones/", headers=headers)


async def _open(comm: WebsocketCommunicator) -> None:
    connected, _ = await comm.connect()
    assert connected
    assert (await comm.receive_json_from())["type"] == "snapshot"


async def _closed_with(comm: WebsocketCommunicator, wait_s: float = 2) -> int:
    output = await comm.receive_output(wait_s)
    assert output["type"] == "websocket.close", output
    await comm.disconnect()
    return output["code"]


async def test_logout_closes_the_sessions_open_socket():
    client, _user = await sync_to_async(_signed_in)()
    comm = _socket(client)
    await _open(comm)
    await sync_to_async(client.logout)()
    assert await _closed_with(comm) == 4401


async def test_resync_after_the_session_is_gone_closes_instead_of_sending_a_snapshot():
    client, _user = await sync_to_async(_signed_in)()
    comm = _socket(client)
    await _open(comm)
    await sync_to_async(Session.objects.all().delete)()  # expired or cleared: no logout signal
    await comm.send_json_to({"type": "resync"})
    assert await _closed_with(comm) == 4401


async def test_removing_the_role_closes_the_socket():
    client, user = await sync_to_async(_signed_in)()
    comm = _socket(client)
    await _open(comm)
    group = await sync_to_async(Group.objects.get)(name=Role.DRONE_OPERATOR.value)
    await sync_to_async(user.groups.remove)(group)
    assert await _closed_with(comm) == 4403


async def test_an_idle_socket_closes_when_its_session_expires(settings):
    settings.WEBSOCKET_SESSION_RECHECK_S = 0.2
    client, _user = await sync_to_async(_signed_in)()
    comm = _socket(client)
    await _open(comm)
    await sync_to_async(Session.objects.all().delete)()
    assert await _closed_with(comm, wait_s=3) == 4401


async def test_a_socket_stays_open_while_session_and_role_stand():
    client, _user = await sync_to_async(_signed_in)()
    comm = _socket(client)
    await _open(comm)
    await comm.send_json_to({"type": "resync"})
    assert (await comm.receive_json_from())["type"] == "snapshot"
    await comm.disconnect()


@pytest.mark.parametrize(
    ("origin", "accepted"),
    [
        (b"http://127.0.0.1:8000", True),
        (b"http://127.0.0.1:9999", False),  # another port
        (b"https://127.0.0.1:8000", False),  # another scheme
        (b"http://127.0.0.1", False),
        (b"http://evil.example.org:8000", False),
        (b"null", False),
    ],
)
async def test_origin_must_match_scheme_host_and_port(origin, accepted):
    client, _user = await sync_to_async(_signed_in)()
    comm = _socket(client, origin=origin, host=b"127.0.0.1:8000")
    connected, _ = await comm.connect()
    assert connected is accepted
    await comm.disconnect()


async def test_configured_origins_are_accepted_and_unknown_hosts_are_not(settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://maps.example.org"]
    settings.WEBSOCKET_ALLOWED_ORIGINS = ["https://*.county.example.org"]
    client, _user = await sync_to_async(_signed_in)()
    for origin, accepted in [
        (b"https://maps.example.org", True),
        (b"https://maps.example.org:443", True),
        (b"http://maps.example.org", False),
        (b"https://wall.county.example.org", True),
        (b"http://wall.county.example.org", False),
    ]:
        comm = _socket(client, origin=origin)
        connected, _ = await comm.connect()
        assert connected is accepted, origin
        await comm.disconnect()
    # Same origin on a host this site does not serve (DNS rebinding) is refused.
    rebound = _socket(client, origin=b"http://rebind.example.net:8000", host=b"rebind.example.net:8000")
    connected, _ = await rebound.connect()
    assert not connected
    await rebound.disconnect()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"bytes_data": b"\x00\xff\x01"}, 1003),
        ({"text_data": '{"type": "resync"'}, 1007),
        ({"text_data": "[" * 1000 + "]" * 1000}, 1007),
        ({"text_data": '{"a": ' * 1000 + "1" + "}" * 1000}, 1007),
        ({"text_data": " " * 70_000 + "{}"}, 1009),
    ],
    ids=["binary", "invalid-json", "deep-list", "deep-object", "too-large"],
)
async def test_bad_frames_get_a_close_code_and_one_log_line(frame, code, caplog):
    client, _user = await sync_to_async(_signed_in)()
    comm = _socket(client)
    await _open(comm)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        await comm.send_to(**frame)
        assert await _closed_with(comm) == code
        await asyncio.sleep(0)
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(records) == 1, [r.getMessage() for r in records]
    assert records[0].exc_info is None
    assert str(code) in records[0].getMessage()
