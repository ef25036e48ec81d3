"""Run every benchmark in turn: ``python -m benchmarks`` (what ``make bench`` does).

Each benchmark is its own process, so one's Django set-up or memory peak does
not colour the next. Results go to standard output as markdown tables.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).resolve().parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))
    # ``<benchmark>_<part>`` modules are processes a benchmark starts (telemetry_fleet, ...), not benchmarks.
    names = [n for n in names if not any(n.startswith(f"{other}_") for other in names)]
    if len(sys.argv) > 1:
        names = [n for n in names if n in sys.argv[1:]]
    failed = []
    for name in names:
        print(f"\n## benchmarks.{name}\n", flush=True)
        result = subprocess.run([sys.executable, "-m", f"benchmarks.{name}"], cwd=here.parent)
        if result.returncode:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
