"""The simulator against the recordings of real ArduCopter 4.7 SITL.

Each scenario replays the recorder's requests (same vehicle times, or the same vehicle
message they reacted to) and checks that

* every request gets the same replies: message types and key fields (ACK results, MISSION_ACK
  types, PARAM_VALUE index/type/value, texts, mission items, home, modes...);
* the vehicle's own events (texts, HEARTBEAT states, unasked parameters, EKF flags, GPS fix,
  reached items, landed state) happen at the same vehicle times: within 0.6 s during boot and
  within 3 s + 5 % of the time since the first takeoff in flight (the kinematics are a simple
  model of SITL's jerk-limited controllers), plus 20 ms of wall-clock jitter.

All scenarios run at once, each on its own vehicle of one simulator fleet in a subprocess (so
the simulator does not share a GIL with the ten replaying clients): the whole set takes about
as long as the longest scenario. Fixtures come from ``simulators/tools/distill_recordings.py``.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.simulators.replay import ReplayResult, compare_timeline, load_scenario, replay

SCENARIOS = (
    "01_connect_params",
    "02_streams_prearm",
    "03_guided_takeoff_land",
    "03b_guided_loiter_brake_rc_throttle_low",
    "04_mission_upload_auto",
    "05_fence",
    "06_gcs_failsafe",
    "07_battery_failsafe",
    "09_misc_commands",
    "10_mission_edge_cases",
)
REPLAY_SPEEDUP = float(os.environ.get("SIM_REPLAY_SPEEDUP", "10"))
BOOT_PHASE_END_S = 45.0
ROOT = Path(__file__).resolve().parents[2]


def event_tolerance_s(vt: float, speedup: float = REPLAY_SPEEDUP) -> float:
    jitter = 0.02 * speedup  # 20 ms of wall-clock scheduling jitter, in vehicle seconds
    if vt < BOOT_PHASE_END_S:
        return 0.6 + jitter
    return 3.0 + 0.05 * (vt - BOOT_PHASE_END_S) + jitter


@pytest.fixture(scope="module")
def replays() -> Iterator[dict[str, ReplayResult]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "simulators", "fleet", "--count", str(len(SCENARIOS)), "--base-port", "0",
         "--speedup", f"{REPLAY_SPEEDUP:g}", "--spacing-m", "0"],  # every vehicle at the recorded home
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        addresses = [process.stdout.readline().strip() for _ in SCENARIOS]
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            with ThreadPoolExecutor(max_workers=len(SCENARIOS)) as pool:
                futures = {
                    name: pool.submit(replay, address, load_scenario(name), speedup=REPLAY_SPEEDUP)
                    for name, address in zip(SCENARIOS, addresses, strict=True)
                }
                yield {name: future.result() for name, future in futures.items()}
        finally:
            if gc_was_enabled:
                gc.enable()
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.slow
@pytest.mark.parametrize("name", SCENARIOS)
def test_replay_matches_recording(name: str, replays: dict[str, ReplayResult]) -> None:
    result = replays[name]
    assert result.trigger_misses == []
    assert result.reply_mismatches == []
    assert compare_timeline(load_scenario(name), result, tolerance=event_tolerance_s) == []


@pytest.mark.sitl
@pytest.mark.slow
@pytest.mark.parametrize("name", SCENARIOS)
def test_replay_matches_recording_on_real_sitl(name: str) -> None:
    """The same replay against real SITL: a check of the fixtures and of the replayer itself."""
    from simulators.sitl import launch_sitl, sitl_binary

    if sitl_binary() is None:
        pytest.skip("ARDUPILOT_SITL_BIN is not set (path to a built ArduCopter SITL binary)")
    speedup = float(os.environ.get("ARDUPILOT_SITL_SPEEDUP", "5"))
    scenario = load_scenario(name)
    with launch_sitl(speedup=speedup) as sitl:
        result = replay(sitl.connection_string, scenario, speedup=speedup)
    assert result.reply_mismatches == []
    assert compare_timeline(scenario, result, tolerance=lambda vt: event_tolerance_s(vt, speedup)) == []
