"""The configured channel layer delivers group messages (in-memory by default, Redis with REDIS_URL)."""

from __future__ import annotations

import uuid

import pytest
from channels.layers import get_channel_layer
from django.conf import settings


@pytest.mark.asyncio
async def test_group_send_reaches_a_member_channel():
    layer = get_channel_layer()
    expected = "channels_redis" if settings.REDIS_URL else "InMemoryChannelLayer"
    assert expected in type(layer).__module__ + type(layer).__name__
    group = f"test-{uuid.uuid4().hex}"
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    await layer.group_send(group, {"type": "ping", "n": 1})
    assert await layer.receive(channel) == {"type": "ping", "n": 1}
    await layer.group_discard(group, channel)
