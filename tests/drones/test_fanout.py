"""The live hub (drones.bridge.fanout): latest value per drone, shared encodings, "delayed", one subscription."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from common.roles import Role
from drones.bridge.fanout import TelemetryHub, live_hub, tick_text
from drones.consumers import FleetConsumer
from drones.models import Drone
from tests.factories import make_user
from tests.waiting import wait_until_async

pytestmark = [pytest.mark.asyncio]


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class Socket:
    """A viewer's socket: records frames; ``stall()`` makes the next write wait until ``free()``."""

    def __init__(self) -> None:
        self.frames: list[str] = []
        self._open = asyncio.Event()
        self._open.set()

    async def send(self, text: str) -> None:
        await self._open.wait()
        self.frames.append(text)

    def stall(self) -> None:
        self._open.clear()

    def free(self) -> None:
        self._open.set()

    def updates(self) -> list[dict]:
        return [u for text in self.frames for u in json.loads(text).get("updates", [])]


def state(seq: int, **values) -> dict:
    return {"seq": seq, "lat": 36.0, "lon": 118.0, "alt_rel_m": 0.0, "mode": "GUIDED", **values}


def tick(hub: TelemetryHub, *updates: tuple[int, int, dict], age_s: float = 0.0) -> None:
    hub.publish([{"drone": d, "seq": s, "state": st} for d, s, st in updates], hub.clock() - age_s)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_viewer_that_keeps_up_gets_each_tick_as_encoded_once_with_only_what_changed():
    hub = TelemetryHub(delayed_after_s=1.0, clock=Clock())
    a, b = Socket(), Socket()
    feeds = [hub.attach(a.send), hub.attach(b.send)]
    for feed in feeds:
        feed.restart('{"type":"snapshot"}')
    tick(hub, (1, 1, state(1)), (2, 1, state(1)))
    await settle()
    tick(hub, (1, 2, state(2, alt_rel_m=5.0)))
    await settle()
    assert a.frames[1:] == b.frames[1:] and a.frames[2] is b.frames[2]  # one string for every viewer
    assert [json.loads(f) for f in a.frames[1:]] == [
        {"type": "fleet", "updates": [
            {"drone": 1, "seq": 1, "full": True, "at": 1_000_000_000, "state": state(1)},
            {"drone": 2, "seq": 1, "full": True, "at": 1_000_000_000, "state": state(1)},
        ]},
        {"type": "fleet", "updates": [{"drone": 1, "seq": 2, "at": 1_000_000_000, "state": {"alt_rel_m": 5.0}}]},
    ]  # fmt: skip
    assert feeds[0].superseded == 0


async def test_a_slow_viewer_gets_each_drones_latest_state_once_not_a_queue_of_old_ones():
    hub = TelemetryHub(delayed_after_s=1.0, clock=Clock())
    slow, fast = Socket(), Socket()
    slow_feed, fast_feed = hub.attach(slow.send), hub.attach(fast.send)
    slow_feed.restart('{"type":"snapshot"}')
    fast_feed.restart('{"type":"snapshot"}')
    await settle()
    slow.stall()
    tick(hub, (1, 1, state(1, alt_rel_m=1.0)), (2, 1, state(1)))
    await settle()  # the slow viewer is now writing this tick and stuck there
    for seq in range(2, 50):
        tick(hub, (1, seq, state(seq, alt_rel_m=float(seq))))
        await settle()
    tick(hub, (2, 2, state(2, mode="RTL")))
    await settle()
    assert len(fast.updates()) == 51  # every update, one by one
    slow.free()
    await settle()
    # What it was writing, then one frame: each drone once, at its latest seq, in full.
    assert len(slow.frames) == 3
    latest = json.loads(slow.frames[2])["updates"]
    assert sorted((u["drone"], u["seq"], u["full"]) for u in latest) == [(1, 49, True), (2, 2, True)]
    assert {u["drone"]: u["state"] for u in latest} == {1: state(49, alt_rel_m=49.0), 2: state(2, mode="RTL")}
    assert slow_feed.superseded == 47  # seqs 2..48 of drone 1 replaced before they were written
    assert not any(u.get("delayed") for u in latest)


async def test_what_reaches_a_socket_more_than_a_second_after_publication_is_marked_delayed():
    clock = Clock()
    hub = TelemetryHub(delayed_after_s=1.0, clock=clock)
    viewer = Socket()
    one = Socket()
    hub.attach(viewer.send).restart('{"type":"snapshot"}')
    hub.attach(one.send, drone_id=1).restart('{"type":"snapshot"}')
    await settle()
    tick(hub, (1, 1, state(1)), age_s=1.5)  # e.g. read late from Redis by a process that fell behind
    await settle()
    viewer.stall()
    tick(hub, (1, 2, state(2, alt_rel_m=2.0)))
    await settle()  # fresh when published ...
    tick(hub, (2, 1, state(1)))
    await settle()
    clock.now += 1.2  # ... but the socket took its time
    viewer.free()
    await settle()
    tick(hub, (1, 3, state(3, alt_rel_m=3.0)))
    await settle()
    updates = viewer.updates()
    assert [(u["drone"], u["seq"], u.get("delayed", False)) for u in updates] == [
        (1, 1, True),
        (1, 2, False),  # it was being written when the clock moved
        (2, 1, True),  # waited in the feed past the limit
        (1, 3, False),  # fresh data clears it
    ]
    assert [json.loads(f).get("delayed", False) for f in one.frames[1:]] == [True, False, False]


async def test_a_seq_the_hub_did_not_follow_goes_out_in_full():
    hub = TelemetryHub(delayed_after_s=1.0, clock=Clock())
    viewer = Socket()
    hub.attach(viewer.send).restart('{"type":"snapshot"}')
    for seq in (1, 2, 4, 1):  # 3 missed (a lost Redis message); then the bridge restarted
        tick(hub, (7, seq, state(seq, alt_rel_m=float(seq))))
        await settle()
    assert [(u["seq"], u.get("full", False)) for u in viewer.updates()] == [(1, True), (2, False), (4, True), (1, True)]


async def test_the_snapshot_goes_first_and_nothing_published_meanwhile_is_lost():
    hub = TelemetryHub(delayed_after_s=1.0, clock=Clock())
    viewer = Socket()
    feed = hub.attach(viewer.send)
    tick(hub, (1, 1, state(1)))  # before the snapshot was ready: in it
    tick(hub, (1, 2, state(2, alt_rel_m=2.0)))
    await settle()
    assert viewer.frames == []
    feed.restart(json.dumps({"type": "snapshot", "drones": hub.states([1], {})}))
    tick(hub, (1, 3, state(3, alt_rel_m=3.0)))
    await settle()
    assert json.loads(viewer.frames[0])["drones"]["1"]["seq"] == 2
    assert viewer.updates()[-1]["seq"] == 3
    feed.close()
    assert hub.feeds == set()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL: the subscription is to Redis")
async def test_many_viewers_in_a_process_share_one_redis_subscription():
    import redis.asyncio as aioredis

    drone = await sync_to_async(Drone.objects.create)(name="D", serial="S", connection="tcp:127.0.0.1:5760")
    user = await sync_to_async(make_user)(Role.DRONE_OPERATOR)
    viewers = []
    for _ in range(5):
        comm = WebsocketCommunicator(FleetConsumer.as_asgi(), "/ws/drones/")
        comm.scope["user"] = user
        comm.scope["url_route"] = {"kwargs": {}}
        assert (await comm.connect())[0]
        assert (await comm.receive_json_from())["type"] == "snapshot"
        viewers.append(comm)
    hub = live_hub()
    await asyncio.wait_for(hub.subscribed.wait(), 10)
    client = aioredis.Redis.from_url(settings.REDIS_URL)
    try:
        counts = dict(await client.pubsub_numsub(settings.DRONE_TELEMETRY_CHANNEL))
        assert counts[settings.DRONE_TELEMETRY_CHANNEL.encode()] == 1
        # What a bridge process publishes reaches every viewer of this process.
        at = hub.clock()
        await client.publish(
            settings.DRONE_TELEMETRY_CHANNEL, tick_text([{"drone": drone.id, "seq": 4, "state": state(4)}], at)
        )
        for comm in viewers:
            frame = await comm.receive_json_from(timeout=5)
            assert frame["updates"] == [
                {"drone": drone.id, "seq": 4, "full": True, "at": int(at * 1000), "state": state(4)}
            ]
    finally:
        await client.aclose()
        for comm in viewers:
            await comm.disconnect()
    await wait_until_async(lambda: not hub.feeds, 5, "every feed detached")


async def test_an_update_carries_the_age_of_its_position_not_of_its_tick():
    hub = TelemetryHub(delayed_after_s=1.0, clock=Clock())
    viewer = Socket()
    hub.attach(viewer.send).restart('{"type":"snapshot"}')
    now = hub.clock()
    hub.publish(
        [
            {"drone": 1, "seq": 1, "state": state(1), "at": now - 2.0},  # read from a backlog
            {"drone": 2, "seq": 1, "state": state(1), "at": now - 0.1},
        ],
        now,
    )
    await settle()
    assert [(u["drone"], u.get("delayed", False)) for u in viewer.updates()] == [(1, True), (2, False)]


async def test_the_server_calls_an_update_delayed_the_unseen_margin_before_the_limit(settings):
    # The age the server sees misses the link's fastest delay (learnt as zero): 1 s less 0.1 s.
    settings.DRONE_LIVE_DELAYED_S, settings.DRONE_LIVE_UNSEEN_DELAY_S = 1.0, 0.1
    hub = TelemetryHub(clock=Clock())
    assert hub.delayed_after_s == pytest.approx(0.9)
    socket = Socket()
    hub.attach(socket.send).restart('{"type":"snapshot"}')
    tick(hub, (1, 1, state(1)), age_s=0.85)
    await settle()
    tick(hub, (1, 2, state(2, alt_rel_m=5.0)), age_s=0.95)
    await settle()
    assert [u.get("delayed", False) for u in socket.updates()] == [False, True]
