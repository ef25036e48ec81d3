"""Replay the GCS side of a distilled recording against a vehicle and compare what comes back.

A scenario fixture (``fixtures/scenario_*.json``, written by
``simulators/tools/distill_recordings.py``) holds the recorder's requests with their vehicle
times - or, when the recorder answered a vehicle message within milliseconds, that message as
the trigger - and the replies each request got, plus a timeline of the vehicle's own events.
The replay sends the same requests at the same vehicle times (scaled by the speed-up),
heartbeats at 1 Hz except where the recorder was silent, and returns the mismatches.
"""

from __future__ import annotations

import gc
import json
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pymavlink.dialects.v20 import all as mavlink

from tests.simulators.gcs import GCS_SYSID, Gcs

FIXTURES = Path(__file__).parent / "fixtures"
REACTIVE_GRACE_S = 3.0
# Two processes' threads on a busy CI machine: allow this much wall-clock jitter in timings.
WALL_JITTER_S = 0.1
# A state change can fall on either side of a 1 Hz HEARTBEAT: allow one period.
HEARTBEAT_TOLERANCE_S = 1.1
STATS_STRICT_UNTIL_S = 45.0


def load_scenario(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"scenario_{name}.json").read_text(encoding="utf-8"))


def build_message(spec: dict[str, Any]) -> Any:
    cls = getattr(mavlink, f"MAVLink_{spec['type'].lower()}_message")
    fields = {
        k: (math.nan if v == "NaN" else v.encode() if isinstance(v, str) else v) for k, v in spec["fields"].items()
    }
    return cls(*[fields.get(name, 0) for name in cls.fieldnames])


# SITL's resting position wanders by a centimetre or so; compare these integer fields loosely.
LOOSE_INT_FIELDS = {"latitude": 5, "longitude": 5}


def _equal(expected: Any, actual: Any) -> bool:
    if isinstance(actual, bytes):
        actual = actual.decode("utf-8", errors="replace").rstrip("\x00")
    if expected == "NaN":
        return isinstance(actual, float) and math.isnan(actual)
    if isinstance(expected, list):
        return (
            isinstance(actual, list | tuple)
            and len(expected) == len(actual)
            and all(_equal(e, a) for e, a in zip(expected, actual, strict=True))
        )
    if isinstance(expected, float) or isinstance(actual, float):
        try:
            return math.isclose(float(expected), float(actual), rel_tol=1e-5, abs_tol=1e-3)
        except (TypeError, ValueError):
            return False
    return expected == actual


def matches(expected: dict[str, Any], msg: Any) -> bool:
    if msg.get_type() != expected["msg"]:
        return False
    for key, value in expected.items():
        if key in ("msg", "dt", "vt", "transient"):
            continue
        if key == "text_re":
            if not re.match(value, msg.text):
                return False
            continue
        actual = getattr(msg, key, None)
        if key in LOOSE_INT_FIELDS and isinstance(actual, int) and isinstance(value, int):
            if abs(actual - value) > LOOSE_INT_FIELDS[key]:
                return False
            continue
        if not _equal(value, actual):
            return False
    return True


@dataclass
class ReplayResult:
    scenario: str
    received: list[tuple[float, Any]]
    sent: list[float]
    reply_mismatches: list[str] = field(default_factory=list)
    trigger_misses: list[str] = field(default_factory=list)

    def events(self) -> list[tuple[float, dict[str, Any], Any]]:
        return vehicle_events(self.received)


def vehicle_events(received: list[tuple[float, Any]]) -> list[tuple[float, dict[str, Any], Any]]:
    """The vehicle's timeline events in the received stream (same rules as the distiller)."""
    out: list[tuple[float, dict[str, Any], Any]] = []
    last: dict[str, Any] = {}
    for vt, msg in received:
        t = msg.get_type()
        if msg.get_srcSystem() == GCS_SYSID:
            continue
        if t == "HEARTBEAT":
            state = (msg.base_mode, msg.custom_mode, msg.system_status)
            if state != last.get("hb"):
                out.append((vt, {"msg": "HEARTBEAT"}, msg))
            last["hb"] = state
        elif t == "STATUSTEXT" or t in ("MISSION_ITEM_REACHED", "GPS_GLOBAL_ORIGIN"):
            out.append((vt, {"msg": t}, msg))
        elif t == "PARAM_VALUE" and msg.param_index == 65535:
            out.append((vt, {"msg": t}, msg))
        elif t == "EKF_STATUS_REPORT" and msg.flags != last.get("ekf"):
            last["ekf"] = msg.flags
            out.append((vt, {"msg": "EKF_FLAGS", "flags": msg.flags}, msg))
        elif t == "GPS_RAW_INT" and msg.fix_type != last.get("fix"):
            last["fix"] = msg.fix_type
            out.append(
                (vt, {"msg": "GPS_FIX", "fix_type": msg.fix_type, "satellites_visible": msg.satellites_visible}, msg)
            )
        elif t == "EXTENDED_SYS_STATE" and msg.landed_state != last.get("landed"):
            last["landed"] = msg.landed_state
            out.append((vt, {"msg": "LANDED_STATE", "landed_state": msg.landed_state}, msg))
    return out


def event_matches(expected: dict[str, Any], event: tuple[float, dict[str, Any], Any]) -> bool:
    _, summary, msg = event
    if summary["msg"] != expected["msg"]:
        return False
    if expected["msg"] in ("EKF_FLAGS", "GPS_FIX", "LANDED_STATE"):
        return all(summary.get(k) == v for k, v in expected.items() if k not in ("msg", "vt"))
    return matches(expected, msg)


class _KeepFilter:
    """Keep what the comparison needs; telemetry only when its compared field changes."""

    CHANGE_FIELDS = {"EKF_STATUS_REPORT": "flags", "GPS_RAW_INT": "fix_type"}

    def __init__(self) -> None:
        self._last: dict[str, Any] = {}

    def __call__(self, msg: Any) -> bool:
        msg_type = msg.get_type()
        field_name = self.CHANGE_FIELDS.get(msg_type)
        if field_name is not None:
            value = getattr(msg, field_name)
            changed = self._last.get(msg_type) != value
            self._last[msg_type] = value
            return changed
        return msg_type in KEPT_TYPES


KEEP_TYPES_TELEMETRY = ("EKF_STATUS_REPORT", "GPS_RAW_INT")
KEPT_TYPES = frozenset({
    "HEARTBEAT", "STATUSTEXT", "PARAM_VALUE", "COMMAND_ACK", "MISSION_ACK", "MISSION_COUNT", "MISSION_REQUEST",
    "MISSION_REQUEST_INT", "MISSION_ITEM", "MISSION_ITEM_INT", "MISSION_ITEM_REACHED", "MISSION_CURRENT",
    "AUTOPILOT_VERSION", "AVAILABLE_MODES", "MESSAGE_INTERVAL", "HOME_POSITION", "GPS_GLOBAL_ORIGIN", "TIMESYNC",
    "RELAY_STATUS", "EXTENDED_SYS_STATE",
})  # fmt: skip


KEEP_IDS = frozenset(getattr(mavlink, f"MAVLINK_MSG_ID_{name}") for name in (*KEPT_TYPES, *KEEP_TYPES_TELEMETRY))


def replay(connection_string: str, scenario: dict[str, Any], *, speedup: float, tail_s: float = 2.0) -> ReplayResult:
    # A garbage-collection pause in this process also pauses an in-process simulator, and at
    # a high speed-up 50 ms are seconds of vehicle time; keep the collector off meanwhile.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _replay(connection_string, scenario, speedup=speedup, tail_s=tail_s)
    finally:
        if gc_was_enabled:
            gc.enable()


def _replay(connection_string: str, scenario: dict[str, Any], *, speedup: float, tail_s: float) -> ReplayResult:
    # the recorder's first heartbeat went out with the connect (boot texts need an active link)
    gcs = Gcs(
        connection_string, speedup=speedup, heartbeat=False, keep=_KeepFilter(), hello=not _silent_start(scenario)
    )
    silent = scenario["gcs"]["silent"]
    stop = threading.Event()

    def heartbeats() -> None:
        next_vt = 1.0 if not _silent_start(scenario) else 0.0
        while not stop.is_set():
            vt = gcs.vt()
            if vt >= next_vt:
                if not any(a <= vt <= b for a, b in silent):
                    gcs.send_heartbeat()
                next_vt += 1.0
            time.sleep(0.25 / speedup)

    hb_thread = threading.Thread(target=heartbeats, daemon=True)
    hb_thread.start()
    sent: list[float] = []
    misses: list[str] = []
    previous_sent = 0.0
    try:
        for step in scenario["steps"]:
            after = step.get("after")
            if after is not None:
                # wait for the vehicle message the recorder reacted to, but not much past the recorded time
                timeout = max(0.5, step["vt"] + REACTIVE_GRACE_S - gcs.vt())
                try:
                    gcs.wait(after["msg"], lambda m, a=after: matches(a, m), since=previous_sent, timeout_s=timeout)
                except AssertionError:
                    misses.append(f"step at {step['vt']}: no {after} before sending {step['msg']['type']}")
                    _sleep_until(gcs, step["vt"])
            else:
                _sleep_until(gcs, step["vt"])
            previous_sent = gcs.vt()
            gcs.send(build_message(step["msg"]))
            sent.append(previous_sent)
        _sleep_until(gcs, max(scenario["end_vt"], previous_sent + tail_s))
    finally:
        stop.set()
        hb_thread.join(timeout=2)
        gcs.close()
    result = ReplayResult(scenario["scenario"], list(gcs.messages), sent, trigger_misses=misses)
    result.reply_mismatches = compare_replies(scenario, result, speedup=speedup)
    return result


def _silent_start(scenario: dict[str, Any]) -> bool:
    """01 connected and stayed silent for 10 s: the fixture's first silent window starts at 0."""
    return any(a <= 0.5 for a, _ in scenario["gcs"]["silent"])


def _sleep_until(gcs: Gcs, vt: float) -> None:
    delay = (vt - gcs.vt()) / gcs.speedup
    if delay > 0:
        time.sleep(delay)


def compare_replies(scenario: dict[str, Any], result: ReplayResult, *, speedup: float) -> list[str]:
    problems: list[str] = []
    received = [(t, m) for t, m in result.received if m.get_srcSystem() != GCS_SYSID]
    slack = 0.3 + WALL_JITTER_S * speedup
    previous_sent = 0.0
    for step, sent_vt in zip(scenario["steps"], result.sent, strict=True):
        expected = step["expect"]
        # A request the recorder sent in reaction to a reply may share that reply's burst (the
        # takeoff right after an ARM's ACK sees "Arming motors"): look from the previous request.
        start = previous_sent if "after" in step else sent_vt
        previous_sent = sent_vt
        if not expected:
            continue
        window = max([e.get("dt", 0.0) for e in expected] + [0.0]) + slack
        candidates = [m for t, m in received if start - 0.01 <= t <= sent_vt + window]
        used: set[int] = set()
        for exp in expected:
            if exp["msg"] == "PARAM_LIST":
                got = [m.param_index for t, m in received if sent_vt <= t <= sent_vt + 3.0 and
                       m.get_type() == "PARAM_VALUE" and m.param_index != 65535]  # fmt: skip
                if got != list(range(exp["count"])):
                    problems.append(f"{step['msg']['type']} at {step['vt']}: param list had {len(got)} entries")
                continue
            hit = next((i for i, m in enumerate(candidates) if i not in used and matches(exp, m)), None)
            if hit is None:
                same_type = [str(m) for m in candidates if m.get_type() == exp["msg"]][:3]
                problems.append(
                    f"{step['msg']['type']} {_brief(step['msg'])} at {step['vt']}: expected {exp}, got {same_type}"
                )
            else:
                used.add(hit)
    return problems


def _brief(msg: dict[str, Any]) -> str:
    fields = msg["fields"]
    for key in ("command", "param_id", "seq", "count", "req_stream_id"):
        if key in fields:
            return f"{key}={fields[key]}"
    return ""


def compare_timeline(
    scenario: dict[str, Any], result: ReplayResult, *, tolerance: Callable[[float], float]
) -> list[str]:
    """Expected vehicle events missing from the replay (same key within the time tolerance).

    A HEARTBEAT expectation means "the vehicle reported this state then", so any heartbeat in
    that state counts, not only the one where it changed.
    """
    events = result.events()
    heartbeats = [(t, {"msg": "HEARTBEAT"}, m) for t, m in result.received
                  if m.get_type() == "HEARTBEAT" and m.get_srcSystem() != GCS_SYSID]  # fmt: skip
    used: set[int] = set()
    problems: list[str] = []
    for exp in scenario["timeline"]:
        tol = tolerance(exp["vt"])
        if exp["msg"] == "PARAM_VALUE" and exp["param_id"].startswith("STAT_") and exp["vt"] > STATS_STRICT_UNTIL_S:
            # saved every ~31 s and at each landing: once flight times differ by a few seconds the
            # periodic save and the landing save can swap places; 01/02 check the period itself
            continue
        if exp["msg"] == "HEARTBEAT":
            if exp.get("transient"):
                continue  # a state the 1 Hz heartbeat caught by luck (e.g. landed, 0.5 s before disarm)
            tol = max(tol, HEARTBEAT_TOLERANCE_S)
            if not any(abs(ev[0] - exp["vt"]) <= tol and event_matches(exp, ev) for ev in heartbeats):
                near = [f"{ev[0]:.1f}" for ev in heartbeats if event_matches(exp, ev)][:4]
                problems.append(f"{exp} (tolerance {tol:.1f} s) - state seen at {near or 'never'}")
            continue
        hit = next(
            (
                i
                for i, ev in enumerate(events)
                if i not in used and abs(ev[0] - exp["vt"]) <= tol and event_matches(exp, ev)
            ),
            None,
        )
        if hit is None:
            near = [f"{ev[0]:.1f}" for ev in events if event_matches(exp, ev)][:4]
            problems.append(f"{exp} (tolerance {tol:.1f} s) - same event at {near or 'never'}")
        else:
            used.add(hit)
    return problems
