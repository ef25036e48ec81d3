"""The viewer side of ``benchmarks.telemetry``: M websocket clients in one asyncio process.

    python -m benchmarks.telemetry_viewers --url ws://127.0.0.1:8000/ws/drones/ --viewers 100 \
        --epochs epochs.json [--cookie sessionid=...] [--origin http://127.0.0.1:8000 | same]

Each client behaves like the live map (static/js/drone_map.js): it takes the snapshot, then
every ``fleet`` message, checks each drone's ``seq`` and asks for a ``resync`` snapshot when
it sees a gap. Besides, it measures:

* delivered updates (one per drone per ``fleet`` message); superseded ones (seqs a ``full``
  update jumped over: the server replaced them by a newer state of the same drone before this
  client could take them, as ``drones.bridge.fanout`` does for a viewer that falls behind); and
  lost ones (any other jump: updates neither delivered nor superseded);
* delayed updates: marked ``delayed`` by the server (older than its limit when it sent them), or
  found older than the pages' limit on arrival by the client (``--page-limit-ms``: 0.9 s of seen
  age, ``drones.bridge.freshness.delayed_after_s``), judging each update's ``at`` exactly as the
  pages do (``static/js/live_clock.js``: the clock offset learnt as the smallest ``now - at``);
  ``late`` counts the ones only the client caught. Stale ones: a new position delivered more
  than ``STALE_MS`` after the vehicle sent it *without* being shown as delayed, i.e. an old
  position shown as live;
* start-up: from this process's start until every client has an update from every drone;
* end-to-end latency of each *new* vehicle state: receive time minus the time the simulator
  sent the GLOBAL_POSITION_INT the state carries (``state["vehicle_time_ms"]``, that
  message's ``time_boot_ms``; ``--epochs`` maps each drone id to the UNIX time its clock
  read 0, from ``benchmarks.telemetry_fleet``). An update repeating a vehicle time already
  seen (published for a heartbeat or a status change) counts as delivered, not as a sample.

The fields it checks are read with one regular expression over the text rather than
``json.loads`` (a tenth of the CPU on a 30 kB message; falls back to ``json.loads`` for any
other layout), so the load generator takes less CPU from the system it measures.

Protocol: ``ready`` on stdout once every client is connected and has seen a state with a
vehicle time from every drone; ``start`` on stdin opens the measurement window, ``stop`` closes
it (gaps are still checked for ``--drain`` seconds after, so a loss just before the end is not
missed); then one JSON line with the results, and exit. End of input stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import sys
import time
from array import array
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

CONNECT_CONCURRENCY = 10
STARTED = time.monotonic()


STALE_MS = 1000.0  # older than this and not marked "delayed": shown as live, wrongly


class Stats:
    def __init__(self) -> None:
        self.measuring = False
        self.checking_gaps = False
        self.messages = 0
        self.delivered = 0
        self.fresh = 0
        self.repeats = 0
        self.lost = 0
        self.superseded = 0
        self.delayed = 0
        self.late = 0  # delayed as judged on arrival by the client only (the server sent them fresh)
        self.stale = 0
        self.reordered = 0
        self.resyncs = 0
        self.snapshots = 0
        self.bytes = 0
        self.latencies_ms = array("d")
        self.worst_ms_by_second: dict[int, float] = {}  # when the latency peaks (stalls show as spikes)
        self.disconnects = 0
        self.errors: list[str] = []


class Viewer:
    def __init__(
        self, index: int, url: str, stats: Stats, epochs: dict[int, float], n_drones: int, page_limit_ms: float
    ) -> None:
        self.index = index
        self.url = url
        self.stats = stats
        self.epochs = epochs
        self.n_drones = n_drones
        self.seq: dict[int, int] = {}
        self.vehicle_ms: dict[int, int] = {}
        self.clock = LiveClock(page_limit_ms)
        self.ws: ClientConnection | None = None

    @property
    def ready(self) -> bool:
        return len(self.vehicle_ms) >= self.n_drones

    async def open(self, headers: dict[str, str], origin: str | None, deflate: bool) -> None:
        self.ws = await connect(
            self.url,
            additional_headers=headers,
            origin=origin,  # type: ignore[arg-type]
            compression="deflate" if deflate else None,
            max_size=None,
            max_queue=None,  # no client-side backpressure: what arrives is read
            proxy=None,
            open_timeout=None,  # a server starting up slowly is measured (start-up), not refused
        )

    async def run(self) -> None:
        assert self.ws is not None
        stats = self.stats
        try:
            async for text in self.ws:
                now = time.time()
                if stats.measuring:
                    stats.messages += 1
                    stats.bytes += len(text)
                if text.startswith(FLEET_PREFIXES):
                    updates = _fleet_updates(text)  # type: ignore[arg-type]
                    if self.check(updates, now):  # what the live map does on a gap: ask for a fresh picture
                        if stats.measuring:
                            stats.resyncs += 1
                        await self.ws.send('{"type": "resync"}')
                else:
                    message = json.loads(text)
                    if message.get("type") == "snapshot":
                        for drone, state in message.get("drones", {}).items():
                            if state.get("seq") is not None:
                                self.seq[int(drone)] = state["seq"]
                        if stats.measuring:
                            stats.snapshots += 1
        except ConnectionClosed as exc:
            if stats.measuring or stats.checking_gaps:
                stats.disconnects += 1
                stats.errors.append(f"viewer {self.index}: {exc}")

    def check(self, updates: list[Update], now: float) -> bool:
        """Account for one ``fleet`` message's updates; True if a seq jumped (a gap: resync)."""
        stats = self.stats
        measuring = stats.measuring
        seqs = self.seq
        vehicle_ms = self.vehicle_ms
        gap = False
        clock = self.clock
        for drone, seq, full, marked, at_ms, t_ms in updates:
            late = at_ms is not None and clock.arrived(at_ms, now * 1000.0)
            delayed = marked or late
            last = seqs.get(drone)
            if last is not None and not full:
                if seq <= last:
                    if measuring:
                        stats.reordered += 1
                    continue
                if seq > last + 1:
                    gap = True
                    if stats.checking_gaps:
                        stats.lost += seq - last - 1
            elif last is not None and seq > last + 1 and stats.checking_gaps:
                stats.superseded += seq - last - 1  # replaced by this newer state, not lost
            elif last is None and not full:
                gap = True  # a change on top of a state this client never had
            seqs[drone] = seq
            if measuring:
                stats.delivered += 1
                stats.delayed += delayed
                stats.late += late and not marked
            if t_ms is None:
                continue
            if t_ms > vehicle_ms.get(drone, -1):
                vehicle_ms[drone] = t_ms
                if measuring:
                    stats.fresh += 1
                    latency_ms = (now - self.epochs[drone] - t_ms / 1000.0) * 1000.0
                    stats.latencies_ms.append(latency_ms)
                    if latency_ms > STALE_MS and not delayed:
                        stats.stale += 1
                    second = int(now)
                    if latency_ms > stats.worst_ms_by_second.get(second, 0.0):
                        stats.worst_ms_by_second[second] = latency_ms
            elif measuring:
                stats.repeats += 1
        return gap


class LiveClock:
    """The pages' judgement of an update's age on arrival (``static/js/live_clock.js``), in Python."""

    DRIFT_PER_MS = 0.0002

    def __init__(self, limit_ms: float) -> None:
        self.limit_ms = limit_ms
        self.offset_ms: float | None = None
        self.offset_at_ms = 0.0

    def arrived(self, at_ms: int, now_ms: float) -> bool:
        seen = now_ms - at_ms
        if self.offset_ms is None:
            self.offset_ms = seen
        else:
            drift = self.DRIFT_PER_MS * max(0.0, now_ms - self.offset_at_ms)
            self.offset_ms = min(seen, self.offset_ms + drift)
        self.offset_at_ms = now_ms
        return now_ms - self.offset_ms - at_ms > self.limit_ms


# The system's compact JSON and the baseline relay's default one.
FLEET_PREFIXES = ('{"type":"fleet"', '{"type": "fleet"')
# One pass over the text instead of json.loads (10x cheaper on a 30 kB message, so the load
# generator takes less CPU from the system it measures): each update's head ("drone", "seq", the
# "full" and "delayed" marks and "at"; the baseline relay sends no "at"), then, if its state has
# one, its "vehicle_time_ms" (a change that is not a new position has none).
_FIELDS = re.compile(
    r'"drone": ?(\d+), ?"seq": ?(\d+)(, ?"full": ?true)?(, ?"delayed": ?true)?(?:, ?"at": ?(\d+))?'
    r'|"vehicle_time_ms": ?(\d+|null)'
)
Update = tuple[int, int, bool, bool, "int | None", "int | None"]  # drone, seq, full, delayed, at, vehicle_time_ms


def _fleet_updates(text: str) -> list[Update]:
    out: list[list[Any]] = []
    for drone, seq, full, delayed, at, t_ms in _FIELDS.findall(text):
        if drone:
            out.append([int(drone), int(seq), bool(full), bool(delayed), int(at) if at else None, None])
        elif out and t_ms and t_ms != "null":
            out[-1][5] = int(t_ms)
    return [tuple(u) for u in out]  # type: ignore[misc]


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    k = min(len(sorted_values) - 1, max(0, round(q / 100.0 * (len(sorted_values) - 1))))
    return sorted_values[k]


async def _stdin_lines() -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    return reader


async def _wait_for_line(stdin: asyncio.StreamReader, expected: bytes) -> None:
    while True:
        line = await stdin.readline()
        if not line:  # the benchmark went away: so do we
            raise SystemExit("standard input closed")
        if line.strip() == expected:
            return


async def _main(args: argparse.Namespace, epochs: dict[int, float]) -> dict[str, Any]:
    """Runs the clients; prints the results (one JSON line) as soon as they are known, then closes."""
    stats = Stats()
    headers = {"Cookie": args.cookie} if args.cookie else {}
    viewers = [
        Viewer(i, args.url[i % len(args.url)], stats, epochs, len(epochs), args.page_limit_ms)
        for i in range(args.viewers)
    ]
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def open_one(viewer: Viewer) -> None:
        async with gate:
            # "same": each viewer's page is on the host it connects to, as behind a load balancer.
            origin = "http://" + urlsplit(viewer.url).netloc if args.origin == "same" else args.origin
            await viewer.open(headers, origin, args.deflate)

    await asyncio.gather(*(open_one(v) for v in viewers))
    connected_s = time.monotonic() - STARTED
    print(f"{len(viewers)} viewers connected after {connected_s:.1f} s", file=sys.stderr, flush=True)
    tasks = [asyncio.create_task(v.run()) for v in viewers]
    next_report = time.monotonic() + 10
    while not all(v.ready for v in viewers):
        if any(t.done() for t in tasks):
            raise SystemExit("a viewer's connection closed before it was ready")
        if time.monotonic() > next_report:  # the benchmark keeps this process's standard error (--logs)
            next_report += 10
            seen = sorted(len(v.vehicle_ms) for v in viewers)
            print(f"{sum(v.ready for v in viewers)} viewers ready; drones seen {seen[0]}..{seen[-1]}", file=sys.stderr)
        await asyncio.sleep(0.1)
    startup_s = time.monotonic() - STARTED
    print(f"ready {startup_s:.2f}", flush=True)
    stdin = await _stdin_lines()
    await _wait_for_line(stdin, b"start")
    cpu0, t0 = _cpu_s(), time.monotonic()
    stats.measuring = stats.checking_gaps = True
    await _wait_for_line(stdin, b"stop")
    stats.measuring = False
    cpu1, t1 = _cpu_s(), time.monotonic()
    await asyncio.sleep(args.drain)
    stats.checking_gaps = False
    latencies = sorted(stats.latencies_ms)
    first_second = min(stats.worst_ms_by_second, default=0)
    worst_by_second = [round(stats.worst_ms_by_second.get(first_second + i, 0.0)) for i in range(int(t1 - t0) + 1)]
    result = {
        "pid": os.getpid(),
        "seconds": t1 - t0,
        "cpu_s": cpu1 - cpu0,
        "messages": stats.messages,
        "bytes": stats.bytes,
        "delivered": stats.delivered,
        "fresh": stats.fresh,
        "repeats": stats.repeats,
        "lost": stats.lost,
        "superseded": stats.superseded,
        "delayed": stats.delayed,
        "late": stats.late,
        "stale": stats.stale,
        "startup_s": startup_s,
        "connected_s": connected_s,
        "reordered": stats.reordered,
        "resyncs": stats.resyncs,
        "snapshots": stats.snapshots,
        "disconnects": stats.disconnects,
        "errors": stats.errors[:5],
        "worst_latency_ms_by_second": worst_by_second,
        "latency_ms": {
            "p50": _percentile(latencies, 50),
            "p90": _percentile(latencies, 90),
            "p99": _percentile(latencies, 99),
            "max": latencies[-1] if latencies else None,
            "min": latencies[0] if latencies else None,
        },
    }
    # The results first: closing 100 sockets of a server that fell behind may take a while.
    print(json.dumps(result), flush=True)
    closing = [v.ws.close() for v in viewers if v.ws is not None]
    try:
        await asyncio.wait_for(asyncio.gather(*closing, return_exceptions=True), 30)
    except TimeoutError:
        pass
    await asyncio.gather(*tasks, return_exceptions=True)
    return result


def main() -> int:
    if len(sys.argv) == 1:  # ``python -m benchmarks`` runs every module: this one is a part of benchmarks.telemetry
        print("(a helper of benchmarks.telemetry: run python -m benchmarks.telemetry)")
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", action="append", required=True, help="websocket URL; repeat to spread the viewers")
    parser.add_argument("--viewers", type=int, default=100)
    parser.add_argument("--epochs", required=True, help="JSON file: drone id -> send epoch (UNIX s)")
    parser.add_argument("--cookie", default="")
    parser.add_argument("--origin", default=None, help='the Origin header; "same": the host each viewer connects to')
    parser.add_argument("--drain", type=float, default=1.0)
    parser.add_argument(
        "--page-limit-ms", type=float, default=900.0, help="seen age the pages call delayed (freshness.delayed_after_s)"
    )
    parser.add_argument("--deflate", action="store_true", help="offer permessage-deflate, as browsers do")
    args = parser.parse_args()
    epochs = {int(k): float(v) for k, v in json.loads(Path(args.epochs).read_text()).items()}
    try:
        import uvloop
    except ImportError:  # the benchmark still runs, a little slower
        asyncio.run(_main(args, epochs))
    else:
        uvloop.run(_main(args, epochs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
