"""Run a Python program with cProfile switched on and off by SIGUSR1 (``benchmarks.telemetry --profile``).

    python -m benchmarks.telemetry_profile OUT.prof -m uvicorn config.asgi:application ...
    python -m benchmarks.telemetry_profile OUT.prof manage.py run_drone_bridge

The first SIGUSR1 starts profiling, the second stops it and writes OUT.prof, so the profile
covers exactly the benchmark's measured window. Only the main thread is profiled (the event
loop: parsing, the bridge, consumers, websocket I/O); work handed to ``sync_to_async``
threads shows as the waits for it.
"""

from __future__ import annotations

import cProfile
import runpy
import signal
import sys


def main() -> int:
    if len(sys.argv) == 1:  # ``python -m benchmarks`` runs every module: this one is a part of benchmarks.telemetry
        print("(a helper of benchmarks.telemetry: run python -m benchmarks.telemetry)")
        return 0
    out, rest = sys.argv[1], sys.argv[2:]
    module = rest[0] == "-m"
    sys.argv = rest[1:] if module else rest
    profiler = cProfile.Profile()
    state = {"on": False, "done": False}

    def toggle(signum: int, frame: object) -> None:
        if state["done"]:
            return
        if not state["on"]:
            state["on"] = True
            profiler.enable()
        else:
            profiler.disable()
            state["done"] = True
            profiler.dump_stats(out)

    signal.signal(signal.SIGUSR1, toggle)
    if module:
        runpy.run_module(rest[1], run_name="__main__", alter_sys=True)
    else:
        runpy.run_path(rest[0], run_name="__main__")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
