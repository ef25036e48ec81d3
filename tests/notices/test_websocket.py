"""``/ws/notices/``: who is let in, live new notices in the socket's language, and the unread count."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from notices.consumers import NoticeConsumer
from notices.services import notice_mark_read, notice_send, notices_mark_all_read
from tests.factories import UserFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

ROUTED = "Incident %(reference)s at %(school)s was routed to you"


def communicator(user, query: str = "") -> WebsocketCommunicator:
    comm = WebsocketCommunicator(NoticeConsumer.as_asgi(), "/ws/notices/" + query)
    comm.scope["user"] = user
    return comm


async def connect(user, query: str = "") -> WebsocketCommunicator:
    comm = communicator(user, query)
    connected, _ = await comm.connect()
    assert connected
    return comm


@pytest.fixture
def users(test_kind):
    make = sync_to_async(UserFactory)
    return make


async def test_anonymous_is_refused_with_4401():
    connected, code = await communicator(AnonymousUser()).connect()
    assert not connected and code == 4401


async def test_any_signed_in_user_without_a_role_may_follow_their_notices(users):
    plain = await users(username="plain")
    comm = await connect(plain)
    assert await comm.receive_json_from(timeout=5) == {"type": "unread", "count": 0}
    await comm.disconnect()


async def test_new_notice_is_pushed_after_commit_to_its_user_only(test_kind, users):
    alice, bob = await users(username="alice"), await users(username="bob")
    mine = await connect(alice, "?lang=en")
    theirs = await connect(bob)
    assert (await mine.receive_json_from(timeout=5))["count"] == 0
    assert (await theirs.receive_json_from(timeout=5))["count"] == 0
    await sync_to_async(notice_send)(
        users=[alice], kind=test_kind, title=ROUTED, params={"reference": "XA-7", "school": "S1"}, urgent=True
    )
    event = await mine.receive_json_from(timeout=5)
    assert event["type"] == "notice"
    assert event["notice"]["title"] == "Incident XA-7 at S1 was routed to you" and event["notice"]["urgent"] is True
    assert await mine.receive_json_from(timeout=5) == {"type": "unread", "count": 1}
    assert await theirs.receive_nothing(timeout=0.3)
    await mine.disconnect()
    await theirs.disconnect()


async def test_notice_arrives_in_the_sockets_language(test_kind, users):
    alice = await users(username="alice")
    zh = await connect(alice, "?lang=zh-hans")
    await zh.receive_json_from(timeout=5)
    await sync_to_async(notice_send)(
        users=[alice], kind=test_kind, title=ROUTED, params={"reference": "XA-8", "school": "S"}
    )
    title = (await zh.receive_json_from(timeout=5))["notice"]["title"]
    assert "XA-8" in title and not title.startswith("Incident")
    await zh.disconnect()


async def test_an_unknown_language_falls_back_to_the_site_default(test_kind, users):
    from notices.consumers import socket_language

    assert socket_language({"query_string": b"lang=xx"}) == "zh-hans"
    assert socket_language({"query_string": b"lang=en"}) == "en"
    assert socket_language({"query_string": b"", "cookies": {"django_language": "en"}}) == "en"


async def test_a_rolled_back_notice_is_never_pushed(test_kind, users):
    alice = await users(username="alice")
    comm = await connect(alice)
    await comm.receive_json_from(timeout=5)

    def send_and_fail():
        with transaction.atomic():
            notice_send(users=[alice], kind=test_kind, title="Never")
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        await sync_to_async(send_and_fail)()
    assert await comm.receive_nothing(timeout=0.3)
    await comm.disconnect()


async def test_marking_read_pushes_the_new_count(test_kind, users):
    alice = await users(username="alice")
    sent = await sync_to_async(notice_send)(users=[alice, alice], kind=test_kind, title="One")
    await sync_to_async(notice_send)(users=[alice], kind=test_kind, title="Two")
    comm = await connect(alice)
    assert (await comm.receive_json_from(timeout=5))["count"] == 2
    await sync_to_async(notice_mark_read)(user=alice, notice_id=sent[0].pk)
    assert await comm.receive_json_from(timeout=5) == {"type": "unread", "count": 1}
    await sync_to_async(notices_mark_all_read)(user=alice)
    assert await comm.receive_json_from(timeout=5) == {"type": "unread", "count": 0}
    await comm.disconnect()


async def test_ping_and_unknown_messages(users):
    alice = await users(username="alice")
    comm = await connect(alice)
    await comm.receive_json_from(timeout=5)
    await comm.send_json_to({"type": "ping"})
    assert await comm.receive_json_from(timeout=5) == {"type": "pong"}
    await comm.send_json_to({"type": "subscribe", "user": 1})
    assert (await comm.receive_json_from(timeout=5))["type"] == "error"
    await comm.disconnect()


async def test_a_deactivated_user_is_disconnected(test_kind, users):
    alice = await users(username="alice")
    comm = await connect(alice)
    await comm.receive_json_from(timeout=5)
    alice.is_active = False
    await sync_to_async(alice.save)()
    assert (await comm.receive_output(timeout=5))["type"] == "websocket.close"
