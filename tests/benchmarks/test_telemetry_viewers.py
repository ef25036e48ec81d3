"""The telemetry benchmark's two viewer clients (Python and Node.js) count the same script the same way.

A scripted websocket server plays one drone's updates to two viewers: fresh, repeated, late-marked,
late-dated, stale, a gap (answered by a resync snapshot), a full update that supersedes, a reordered
one. Each client must report exactly the counts the script implies: the benchmark's verdicts (lost,
superseded, stale) rest on them, and the README compares runs made with either client.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from websockets.asyncio.server import ServerConnection, serve

ROOT = Path(__file__).resolve().parents[2]
VIEWERS = 2
EPOCH = time.time() - 100.0  # the drone's clock read 0 a hundred seconds ago


def _vehicle_ms(age_ms: float) -> int:
    """The vehicle time of a position sent ``age_ms`` ago."""
    return int((time.time() - EPOCH) * 1000.0 - age_ms)


def _now_ms() -> int:
    return int(time.time() * 1000.0)


class ScriptServer:
    """Serves ``/``: a snapshot and a first update (for "ready"), then the script when ``play`` is set."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.play: asyncio.Event | None = None
        self.port = 0
        self.played = threading.Event()
        self.finished = 0
        self._started = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        asyncio.run_coroutine_threadsafe(self._listen(), self.loop).result(10)

    async def _listen(self) -> None:
        self.play = asyncio.Event()
        self.server = await serve(self.handler, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    def go(self) -> None:
        self.loop.call_soon_threadsafe(self.play.set)  # type: ignore[union-attr]

    def stop(self) -> None:
        async def close() -> None:
            self.server.close()
            await self.server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)

    async def handler(self, ws: ServerConnection) -> None:
        def fleet(**update) -> str:
            return json.dumps({"type": "fleet", "updates": [{"drone": 1, **update}]}, separators=(",", ":"))

        await ws.send(json.dumps({"type": "snapshot", "drones": {"1": {"seq": 1}}, "at": {}, "ids": [1]}))
        await ws.send(fleet(seq=2, full=True, at=_now_ms(), state={"vehicle_time_ms": _vehicle_ms(5000)}))
        await self.play.wait()  # type: ignore[union-attr]
        # Marked delayed by the server (and dated truly): delayed, not late, not stale.
        await ws.send(fleet(seq=3, delayed=True, at=_now_ms() - 1500, state={"vehicle_time_ms": _vehicle_ms(1500)}))
        # Dated truly, not marked: the page's clock catches it (late), so not stale.
        await ws.send(fleet(seq=4, at=_now_ms() - 1400, state={"vehicle_time_ms": _vehicle_ms(1400)}))
        # Old, not marked and with no date to judge: shown as live, i.e. stale.
        await ws.send(fleet(seq=5, state={"vehicle_time_ms": _vehicle_ms(1200)}))
        fresh_ms = _vehicle_ms(0)
        await ws.send(fleet(seq=6, at=_now_ms(), state={"vehicle_time_ms": fresh_ms}))
        await ws.send(fleet(seq=7, at=_now_ms(), state={"vehicle_time_ms": fresh_ms}))  # a repeat: no sample
        fresh_ms = max(_vehicle_ms(0), fresh_ms + 1)
        await ws.send(fleet(seq=9, at=_now_ms(), state={"vehicle_time_ms": fresh_ms}))  # seq 8 lost: a gap
        request = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert request == {"type": "resync"}
        await ws.send(json.dumps({"type": "snapshot", "drones": {"1": {"seq": 9}}, "at": {}, "ids": [1]}))
        # Full after a jump: 10 and 11 were replaced by this newer state, not lost.
        fresh_ms = max(_vehicle_ms(0), fresh_ms + 1)
        await ws.send(fleet(seq=12, full=True, at=_now_ms(), state={"vehicle_time_ms": fresh_ms}))
        await ws.send(fleet(seq=12, at=_now_ms(), state={"vehicle_time_ms": fresh_ms}))  # reordered
        self.finished += 1
        if self.finished == VIEWERS:
            self.played.set()
        await ws.wait_closed()


def _clients() -> list:
    node = shutil.which("node")
    node_ok = False
    if node:
        version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip().lstrip("v")
        node_ok = int(version.split(".")[0] or 0) >= 18
    return [
        pytest.param([sys.executable, "-m", "benchmarks.telemetry_viewers"], id="python"),
        pytest.param(
            [node or "node", str(ROOT / "benchmarks" / "telemetry_viewers.mjs")],
            id="node",
            marks=pytest.mark.skipif(not node_ok, reason="Node.js 18 or newer is not installed"),
        ),
    ]


def _line(process: subprocess.Popen, timeout_s: float) -> str:
    box: list[str] = []
    reader = threading.Thread(target=lambda: box.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout_s)
    if not box:
        process.kill()
        raise AssertionError(f"no line within {timeout_s} s; stderr: {process.stderr.read()}")
    return box[0]


@pytest.mark.parametrize("program", _clients())
def test_both_viewer_clients_count_the_script_the_same(tmp_path, program):
    server = ScriptServer()
    server.start()
    epochs = tmp_path / "epochs.json"
    epochs.write_text(json.dumps({"1": EPOCH}))
    args = [*program, "--url", f"ws://127.0.0.1:{server.port}/", "--viewers", str(VIEWERS)]
    args += ["--epochs", str(epochs), "--drain", "0.3", "--page-limit-ms", "900"]
    process = subprocess.Popen(
        args, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert _line(process, 30).startswith("ready ")
        process.stdin.write("start\n")
        process.stdin.flush()
        time.sleep(0.3)
        server.go()
        assert server.played.wait(10), "the script did not play to every viewer"
        time.sleep(0.5)
        process.stdin.write("stop\n")
        process.stdin.flush()
        result = json.loads(_line(process, 30))
        process.stdin.close()
        process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()
        server.stop()

    per_viewer = {
        "delivered": 7,  # seqs 3, 4, 5, 6, 7, 9, 12 (the second 12 is out of order)
        "fresh": 6,  # every one with a new vehicle time (7 repeats 6's)
        "repeats": 1,
        "lost": 1,  # 8
        "superseded": 2,  # 10 and 11, replaced by the full 12
        "delayed": 2,  # 3 (marked) and 4 (judged late on arrival)
        "late": 1,  # 4
        "stale": 1,  # 5
        "reordered": 1,
        "resyncs": 1,
        "snapshots": 1,  # the resync's answer (the first came before the window)
        "messages": 9,  # 8 fleet messages and the snapshot
    }
    assert {key: result[key] for key in per_viewer} == {key: n * VIEWERS for key, n in per_viewer.items()}
    assert result["disconnects"] == 0 and result["errors"] == []
    latency = result["latency_ms"]
    assert 1400 <= latency["max"] < 1700, latency  # the 1.5 s old one, plus the trip
    assert -5 <= latency["min"] < 200, latency  # sent "now" (a vehicle time is whole milliseconds)
    assert result["cpu_s"] >= 0 and result["seconds"] > 0
