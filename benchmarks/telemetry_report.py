"""The table ``benchmarks.telemetry`` prints: one column per configuration, failed ones included."""

from __future__ import annotations

import os
import pstats
import sys
from pathlib import Path
from typing import Any

SLOW_MS = 250  # the aim: p99 under 250 ms


def _fmt(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def print_table(results: list[Any], baseline: Any | None, args: Any, load_before: str) -> None:
    """``results``: ``benchmarks.telemetry.RunResult``; a failed one shows "failed" in every row and why below."""
    first = results[0]
    print(
        f"Telemetry benchmark: {first.vehicles} vehicles streaming what the bridge reads at 4 Hz, "
        f"{first.viewers} viewers of /ws/drones/ ({args.viewer_client} clients), {args.duration:g} s measured; "
        f"{os.cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]}; competing busy-loop processes: {args.busy}; "
        f"load average before {load_before}, after {load_average()}"
    )
    print()
    print("| | " + " | ".join(r.label for r in results) + " |")
    print("|---|" + "---:|" * len(results))

    def row(name: str, value) -> None:
        cells = ["**FAILED**" if r.failed else value(r) for r in results]
        print(f"| {name} | " + " | ".join(cells) + " |")

    def per_s(r, n: float) -> str:
        return _fmt(n / r.seconds)

    row("vehicles", lambda r: str(r.vehicles))
    row("viewers", lambda r: str(r.viewers))
    row("start-up from launch: every viewer has every drone (s)", lambda r: _fmt(r.startup_from_launch_s, 1))
    row("(of which: from the viewers' start, s)", lambda r: _fmt(r.startup_s, 1))
    row("(of which: every viewer connected, s)", lambda r: _fmt(r.viewer.get("connected_s"), 1))
    row("ingest (vehicle messages/s)", lambda r: per_s(r, r.ingest_msgs))
    row(
        "updates published/s (all drones)",
        lambda r: _fmt(
            (r.delivered + r.viewer["lost"] + r.viewer.get("superseded", 0)) / max(1, r.viewers) / r.seconds
        ),
    )
    row("delivered updates/s (all viewers)", lambda r: per_s(r, r.delivered))
    row("websocket messages/s (all viewers)", lambda r: per_s(r, r.viewer["messages"]))
    row("websocket kB/s (all viewers)", lambda r: _fmt(r.viewer["bytes"] / 1000 / r.seconds))
    for q in ("p50", "p90", "p99", "max"):
        row(f"latency {q} (ms)", lambda r, q=q: _fmt(r.viewer["latency_ms"][q]))
    row("superseded (replaced by a newer state)", lambda r: f"{r.viewer.get('superseded', 0):,}")
    row("lost (neither delivered nor superseded)", lambda r: f"{r.viewer['lost']:,}")
    row("delivered shown delayed (by server or page)", lambda r: f"{r.viewer.get('delayed', 0):,}")
    row("... of which only the page caught (late on arrival)", lambda r: f"{r.viewer.get('late', 0):,}")
    row("**stale: over 1 s old, shown as live**", lambda r: f"**{r.viewer.get('stale', 0):,}**")
    row("resyncs / disconnects", lambda r: f"{r.viewer['resyncs']} / {r.viewer['disconnects']}")
    names: list[str] = []
    for r in results:
        names += [n for n in r.cpu_s if n not in names]
    for name in names:
        row(f"CPU % {name}", lambda r, name=name: _fmt(r.cpu_s[name] / r.seconds * 100) if name in r.cpu_s else "")
    row("CPU % everything else on the machine", lambda r: _fmt(r.other_cpu_s / r.seconds * 100))
    row("**system CPU %** (web, bridge, Redis)", lambda r: f"**{_fmt(r.system_cpu_s / r.seconds * 100)}**")
    row("**CPU-ms per delivered update**", lambda r: f"**{_fmt(r.cpu_ms_per_update, 4)}**")
    if baseline is not None and not baseline.failed and baseline.cpu_ms_per_update:
        row("ratio to baseline", lambda r: _fmt((r.cpu_ms_per_update or 0) / baseline.cpu_ms_per_update, 2) + "x")
    print()
    for r in results:
        if r.failed:
            print(f"- {r.label}: FAILED: {r.failed}.")
            continue
        v = r.viewer
        extra = [
            f"{r.label}: {v['fresh']:,} latency samples (updates with a new vehicle time),",
            f"{v['repeats']:,} repeats (no new vehicle time: heartbeat/status-only updates),",
            f"{v['reordered']} out-of-order, simulator dropped {r.sim_dropped} frames",
        ]
        by_second = v.get("worst_latency_ms_by_second", [])
        slow = [ms for ms in by_second if ms > SLOW_MS]
        extra.append(f"; {len(slow)} of {len(by_second)} seconds had an update over {SLOW_MS} ms")
        if args.verbose:
            extra.append(f"(worst per second: {by_second})")
        print("- " + " ".join(extra) + "".join(f"; {n}" for n in r.notes) + ".")
        for error in v.get("errors", []):
            print(f"  - {error}")
        for example in v.get("stale_examples", []):  # the Node clients say why a stale one passed as live
            print(f"  - stale: {example}")


def print_profiles(directory: Path, top: int) -> None:
    for path in sorted(directory.glob("*.prof")):
        print(f"\n### cProfile: {path.stem} (top {top} by own time)\n\n```")
        pstats.Stats(str(path), stream=sys.stdout).sort_stats("tottime").print_stats(top)
        print("```")
