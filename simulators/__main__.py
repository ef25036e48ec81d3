"""Command line: ``python -m simulators fleet --count N``.

Starts N simulated ArduCopters (one TCP port each, SITL-style 5760 + 10 * i) and prints one
connection string per vehicle, e.g. ``tcp:127.0.0.1:5760``. Ctrl+C stops them cleanly.
Each vehicle boots when its first client connects, as SITL does.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import os
import signal
import sys

from simulators.arducopter.vehicle import DEFAULT_HOME, HomeLocation
from simulators.fleet import Fleet, fleet_options


def parse_home(text: str) -> HomeLocation:
    """``LAT,LON,ALT_M,HEADING`` (WGS-84 degrees, metres AMSL, degrees)."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 4:
        raise argparse.ArgumentTypeError("expected LAT,LON,ALT_M,HEADING, e.g. 36.1850,118.1700,300,0")
    try:
        lat, lon, alt, heading = (float(p) for p in parts)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number in {text!r}") from exc
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise argparse.ArgumentTypeError(f"latitude/longitude out of range in {text!r}")
    return HomeLocation(lat, lon, alt, heading)


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m simulators", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    fleet = sub.add_parser("fleet", help="run simulated ArduCopters")
    fleet.add_argument("--count", type=int, default=1, help="number of vehicles (default 1)")
    fleet.add_argument("--base-port", type=int, default=5760, help="port of vehicle 0; vehicle i uses +10*i; 0 = free")
    fleet.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    fleet.add_argument("--speedup", type=_positive, default=1.0, help="vehicle time / wall time (default 1)")
    fleet.add_argument(
        "--home",
        type=parse_home,
        default=DEFAULT_HOME,
        help="LAT,LON,ALT_M,HEADING of vehicle 0 (36.1850,118.1700,300,0)",
    )
    fleet.add_argument("--spacing-m", type=float, default=30.0, help="grid spacing between vehicles (default 30 m)")
    fleet.add_argument("--fast-boot", action="store_true", help="compressed boot timeline (GUIDED armable at ~4 s)")
    fleet.add_argument("--no-banner", action="store_true", help="no SITL console text before MAVLink")
    fleet.add_argument("--distinct-sysids", action="store_true", help="MAV_SYSID 1+i instead of 1 for every vehicle")
    fleet.add_argument("--boot-now", action="store_true", help="boot at start instead of at the first connection")
    fleet.add_argument(
        "--exit-with-parent",
        action="store_true",
        help="stop when the process that started this one ends, however it ends (used by manage.py serve)",
    )
    return parser


async def _watch_parent(stop: asyncio.Event, parent: int, *, period_s: float = 1.0) -> None:
    """Set ``stop`` once this process is re-parented away from ``parent`` (read at start-up, before the
    fleet is announced: a parent killed right after reading the announcement must still count), i.e. its
    parent has ended.

    ``manage.py serve`` starts the fleet as a child; uvicorn ends on SIGTERM by re-raising the signal after
    its graceful shutdown, so the parent's clean-up code never runs and the fleet would keep its ports.
    """
    while not stop.is_set():
        if os.getppid() != parent:
            stop.set()
            return
        await asyncio.sleep(period_s)


async def _run_fleet(args: argparse.Namespace) -> None:
    parent = os.getppid()
    fleet = Fleet(
        fleet_options(
            args.count,
            base_port=args.base_port,
            speedup=args.speedup,
            home=args.home,
            spacing_m=args.spacing_m,
            fast_boot=args.fast_boot,
            console_banner=not args.no_banner,
            distinct_sysids=args.distinct_sysids,
            host=args.host,
            boot_on_connect=not args.boot_now,
        )
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not available on Windows
            loop.add_signal_handler(sig, stop.set)
    await fleet.start()
    watcher = asyncio.create_task(_watch_parent(stop, parent)) if args.exit_with_parent else None
    try:
        for connection_string in fleet.connection_strings:
            print(connection_string, flush=True)
        await stop.wait()
    finally:
        if watcher is not None:
            watcher.cancel()
        await fleet.stop()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.count < 1:
        print("--count must be at least 1", file=sys.stderr)
        return 2
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_run_fleet(args))
    except OSError as exc:
        hint = ""
        if args.base_port and exc.errno == errno.EADDRINUSE:
            hint = f" (another fleet on ports {args.base_port}+10*i? choose another --base-port)"
        print(f"cannot start the fleet: {exc}{hint}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
