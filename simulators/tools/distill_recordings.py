"""Distil the ArduCopter SITL recordings into small reference fixtures for the simulator tests.

Usage::

    python -m simulators.tools.distill_recordings ../shared/ardupilot tests/simulators/fixtures

The recordings (``NN_name.jsonl[.gz]`` + ``NN_name.steps.jsonl``) live outside the repository;
the fixtures written here are committed and are all CI needs:

* ``scenario_NN_name.json``: the GCS side of a scenario as replayable *steps* (each request
  with its vehicle time, or the vehicle message it reacted to, and the replies that followed
  it with their key fields) plus a *timeline* of the vehicle's own events (texts, mode/arming
  changes, unasked parameters, reached items) with vehicle times. The message type of an
  expected message is in ``msg``, the compared fields beside it;
* ``streams.json``: message types per REQUEST_DATA_STREAM id, the burst order and rates.

Vehicle time is recovered from ``time_boot_ms`` in the vehicle's messages (minus SITL's 98 ms
boot-clock lead, so it is relative to the TCP connect like the README's figures).
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import json
import math
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

BOOT_CLOCK_OFFSET_S = 0.098
REPLAYED_SCENARIOS = (
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
REPLY_WINDOW_S = 0.3  # vehicle seconds after a request in which its replies are collected
IMMEDIATE_S = 0.02  # a HEARTBEAT this soon after a request is its confirmation (mode change)
REACTION_WALL_S = 0.012  # the recorder reacted to a vehicle message if it answered this fast

KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "COMMAND_ACK": ("command", "result", "target_system", "target_component"),
    "STATUSTEXT": ("severity", "text"),
    "PARAM_VALUE": ("param_id", "param_type", "param_index", "param_count", "param_value"),
    "MISSION_ACK": ("type", "mission_type", "target_system", "target_component"),
    "MISSION_COUNT": ("count", "mission_type"),
    "MISSION_REQUEST": ("seq", "mission_type"),
    "MISSION_ITEM_INT": (
        "seq", "frame", "command", "current", "autocontinue", "param1", "param2", "param3", "param4", "x", "y", "z",
        "mission_type",
    ),
    "MISSION_ITEM": (
        "seq", "frame", "command", "current", "autocontinue", "param1", "param2", "param3", "param4", "x", "y", "z",
        "mission_type",
    ),
    "MISSION_CURRENT": ("seq", "total", "mission_state", "mission_mode"),
    "MISSION_ITEM_REACHED": ("seq",),
    "HEARTBEAT": ("base_mode", "custom_mode", "system_status"),
    "AUTOPILOT_VERSION": ("capabilities", "flight_sw_version", "flight_custom_version", "uid2"),
    "AVAILABLE_MODES": ("number_modes", "mode_index", "standard_mode", "custom_mode", "properties", "mode_name"),
    "MESSAGE_INTERVAL": ("message_id", "interval_us"),
    "HOME_POSITION": ("latitude", "longitude", "altitude"),
    "GPS_GLOBAL_ORIGIN": ("latitude", "longitude", "altitude"),
    "TIMESYNC": (),
    "EXTENDED_SYS_STATE": ("vtol_state", "landed_state"),
    "RELAY_STATUS": ("on", "present"),
}  # fmt: skip
# Protocol replies: never "periodic", however many a scenario has.
PROTOCOL_TYPES = frozenset({
    "COMMAND_ACK", "STATUSTEXT", "PARAM_VALUE", "MISSION_ACK", "MISSION_COUNT", "MISSION_REQUEST", "MISSION_ITEM_INT",
    "MISSION_ITEM", "MISSION_ITEM_REACHED", "AVAILABLE_MODES", "MESSAGE_INTERVAL", "AUTOPILOT_VERSION",
})  # fmt: skip
# Unasked parameters whose value the simulator cannot be expected to match exactly.
VOLATILE_PARAM_VALUES = ("STAT_", "MOT_THST_HOVER", "BARO", "INS_", "COMPASS_")
# Texts that are vehicle events, not replies, even when they fall into a reply window.
SPONTANEOUS_TEXT = re.compile(
    r"^(EKF3 |AHRS: |GPS 1: |Barometer|Calibrating|ArduPilot Ready|RC7:|RCInput|Field Elevation|PreArm: |SIM Hit)"
)
_DECIMAL = re.compile(r"-?\d+\.\d+")
_MAH = re.compile(r"\d+(?= mAh)")


def load_records(directory: Path, name: str) -> list[dict[str, Any]]:
    for suffix in (".jsonl", ".jsonl.gz"):
        path = directory / f"{name}{suffix}"
        if path.exists():
            opener = gzip.open if suffix.endswith(".gz") else open
            with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
                return [json.loads(line) for line in handle]
    raise FileNotFoundError(f"{name}.jsonl[.gz] not found in {directory}")


def load_steps(directory: Path, name: str) -> list[dict[str, Any]]:
    path = directory / f"{name}.steps.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class VehicleClock:
    """Map recording time ``t`` (wall s since connect) to vehicle seconds since connect."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        points: list[tuple[float, float]] = []
        for rec in records:
            fields = rec.get("fields") or {}
            boot_ms = fields.get("time_boot_ms")
            if rec["dir"] == "rx" and isinstance(boot_ms, int) and boot_ms > 0:
                vt = boot_ms / 1000.0 - BOOT_CLOCK_OFFSET_S
                if not points or rec["t"] > points[-1][0] + 0.2:
                    points.append((rec["t"], vt))
        self.ts = [p[0] for p in points]
        self.vts = [p[1] for p in points]

    def __call__(self, t: float) -> float:
        ts, vts = self.ts, self.vts
        if len(ts) < 2:
            return t
        i = bisect.bisect_right(ts, t)
        if i <= 0:
            rate = (vts[1] - vts[0]) / (ts[1] - ts[0])
            return max(0.0, vts[0] - (ts[0] - t) * rate)
        if i >= len(ts):
            rate = (vts[-1] - vts[-2]) / (ts[-1] - ts[-2])
            return vts[-1] + (t - ts[-1]) * rate
        t0, t1, v0, v1 = ts[i - 1], ts[i], vts[i - 1], vts[i]
        return v0 + (t - t0) * (v1 - v0) / (t1 - t0)


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return round(value, 6)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def text_pattern(text: str) -> str:
    """A regex for a text with measurements: decimals and the mAh count may differ."""
    pattern = []
    pos = 0
    for match in re.finditer(r"-?\d+\.\d+|\d+(?= mAh)", text):
        pattern.append(re.escape(text[pos : match.start()]))
        pattern.append("-?[0-9.]+")
        pos = match.end()
    pattern.append(re.escape(text[pos:]))
    return "^" + "".join(pattern) + "$"


def key_of(msg_type: str, fields: dict[str, Any]) -> dict[str, Any]:
    """The fields a test compares for a message, normalised (texts with measurements -> regex)."""
    out = {name: _clean(fields[name]) for name in KEY_FIELDS.get(msg_type, ()) if name in fields}
    if msg_type == "STATUSTEXT":
        text = out.pop("text")
        if _DECIMAL.search(text) or _MAH.search(text):
            out["text_re"] = text_pattern(text)
        else:
            out["text"] = text
    if msg_type == "PARAM_VALUE" and str(out.get("param_id", "")).startswith(VOLATILE_PARAM_VALUES):
        out.pop("param_value", None)
    return out


def _heartbeat_state(fields: dict[str, Any]) -> tuple[int, int, int]:
    return fields["base_mode"], fields["custom_mode"], fields["system_status"]


def _is_gcs_heartbeat(rec: dict[str, Any]) -> bool:
    return rec["dir"] == "tx" and rec["type"] == "HEARTBEAT"


def distill_scenario(directory: Path, name: str) -> dict[str, Any]:
    records = [r for r in load_records(directory, name) if r["type"] != "BAD_DATA"]
    steps_meta = load_steps(directory, name)
    speedup = float(steps_meta[0].get("speedup", 1))
    clock = VehicleClock(records)
    counts = Counter(r["type"] for r in records if r["dir"] == "rx")
    periodic = ({t for t, n in counts.items() if n > 40} - PROTOCOL_TYPES) | {"AVAILABLE_MODES_MONITOR"}

    gcs_sysid, gcs_compid = 255, 190
    for rec in records:
        if rec["dir"] == "tx":
            gcs_sysid, gcs_compid = rec["sys"], rec["comp"]
            break

    # GCS heartbeat gaps longer than 3 vehicle seconds (the silent period of 06)
    hb_vts = [clock(r["t"]) for r in records if _is_gcs_heartbeat(r)]
    silent = [[round(a + 0.5, 2), round(b - 0.5, 2)] for a, b in zip(hb_vts, hb_vts[1:], strict=False) if b - a > 3.0]
    if hb_vts and hb_vts[0] > 3.0:
        silent.insert(0, [0.0, round(hb_vts[0] - 0.5, 2)])  # 01: silent for the first 10 s

    steps: list[dict[str, Any]] = []
    last_rx: dict[str, Any] | None = None
    last_state: tuple[int, int, int] | None = None
    reply_target: dict[str, Any] | None = None
    requested_ids: set[int] = set()
    for rec in records:
        vt = clock(rec["t"])
        if rec["dir"] == "rx":
            fields = rec["fields"]
            is_state_change = False
            if rec["type"] == "HEARTBEAT":
                state = _heartbeat_state(fields)
                is_state_change = state != last_state
                last_state = state
            if reply_target is not None and vt - reply_target["_vt"] <= REPLY_WINDOW_S:
                _collect_reply(reply_target, rec, vt, periodic, requested_ids, is_state_change)
            if rec["type"] in KEY_FIELDS and rec["type"] not in periodic:
                last_rx = {**rec, "_vt": vt}
            continue
        if _is_gcs_heartbeat(rec):
            continue
        msg = {"type": rec["type"], "fields": {k: _clean(v) for k, v in rec["fields"].items()}}
        step: dict[str, Any] = {"vt": round(vt, 3), "msg": msg, "expect": [], "_vt": vt}
        if last_rx is not None and 0 <= rec["t"] - last_rx["t"] <= REACTION_WALL_S and last_rx["type"] != "HEARTBEAT":
            step["after"] = {"msg": last_rx["type"], **key_of(last_rx["type"], last_rx["fields"])}
            step["after"].pop("param_value", None)
        if rec["type"] in ("COMMAND_LONG", "COMMAND_INT") and rec["fields"].get("command") in (511, 512):
            requested_ids.add(int(rec["fields"].get("param1", 0)))
        steps.append(step)
        reply_target = step
        last_rx = None
    for step in steps:
        step.pop("_vt", None)

    timeline = _timeline(records, clock, periodic)
    return {
        "scenario": name,
        "recorded_speedup": speedup,
        "gcs": {"sysid": gcs_sysid, "compid": gcs_compid, "heartbeat_period_s": 1.0, "silent": silent},
        "end_vt": round(clock(records[-1]["t"]), 2),
        "steps": steps,
        "timeline": timeline,
    }


def _collect_reply(
    step: dict[str, Any],
    rec: dict[str, Any],
    vt: float,
    periodic: set[str],
    requested_ids: set[int],
    is_state_change: bool,
) -> None:
    msg_type = rec["type"]
    fields = rec["fields"]
    request = step["msg"]
    if msg_type == "HEARTBEAT":
        if not (is_state_change and vt - step["_vt"] <= IMMEDIATE_S):
            return
    elif msg_type in periodic and msg_type not in KEY_FIELDS:
        return
    elif msg_type in periodic and not (
        request["type"] in ("COMMAND_LONG", "COMMAND_INT")
        and request["fields"].get("command") in (512, 410, 520)
        and msg_type in ("HOME_POSITION", "EXTENDED_SYS_STATE", "AUTOPILOT_VERSION")
    ):
        return
    if msg_type not in KEY_FIELDS:
        return
    if msg_type == "STATUSTEXT" and SPONTANEOUS_TEXT.match(fields["text"]):
        return
    if (
        msg_type == "PARAM_VALUE"
        and fields["param_index"] == 65535
        and request["type"]
        not in (
            "PARAM_SET",
            "PARAM_REQUEST_READ",
        )
    ):
        if not fields["param_id"].startswith(("MIS_TOTAL", "FENCE_TOTAL", "RALLY_TOTAL", "SIM_PIN_MASK")):
            return
    if msg_type == "TIMESYNC" and fields.get("tc1", 0) == 0:
        return
    if request["type"] == "PARAM_REQUEST_LIST" and msg_type == "PARAM_VALUE" and fields["param_index"] != 65535:
        if not any(e.get("msg") == "PARAM_LIST" for e in step["expect"]):
            step["expect"].append({"msg": "PARAM_LIST", "count": fields["param_count"]})
        return
    step["expect"].append({"msg": msg_type, "dt": round(vt - step["_vt"], 3), **key_of(msg_type, fields)})


def _timeline(records: list[dict[str, Any]], clock: VehicleClock, periodic: set[str]) -> list[dict[str, Any]]:
    """The vehicle's own events in order: texts, heartbeat state changes, unasked params, EKF flags."""
    events: list[dict[str, Any]] = []
    last_state: tuple[int, int, int] | None = None
    last_hb_event: dict[str, Any] | None = None
    last_ekf: int | None = None
    last_fix: int | None = None
    last_landed: int | None = None
    asked: dict[str, float] = {}  # param_id -> vehicle time the GCS last read or set it
    for rec in records:
        if rec["dir"] == "tx" and rec["type"] in ("PARAM_SET", "PARAM_REQUEST_READ"):
            asked[rec["fields"]["param_id"]] = clock(rec["t"])
        if rec["dir"] != "rx":
            continue
        vt = round(clock(rec["t"]), 2)
        msg_type, fields = rec["type"], rec["fields"]
        event: dict[str, Any] | None = None
        if msg_type == "HEARTBEAT":
            state = _heartbeat_state(fields)
            if state != last_state:
                if last_hb_event is not None and last_hb_event.get("_count", 0) == 1 and last_hb_event["vt"] > 3:
                    last_hb_event["transient"] = True  # seen in one heartbeat only: sampled by luck
                event = {"msg": "HEARTBEAT", **key_of(msg_type, fields), "_count": 0}
                last_hb_event = event
            if last_hb_event is not None:
                last_hb_event["_count"] = last_hb_event.get("_count", 0) + 1
            last_state = state
        elif msg_type == "STATUSTEXT":
            event = {"msg": msg_type, **key_of(msg_type, fields)}
        elif msg_type == "PARAM_VALUE" and fields["param_index"] == 65535:
            if vt - asked.get(fields["param_id"], -10.0) > 1.0:  # replies are checked with their request
                event = {"msg": msg_type, **key_of(msg_type, fields)}
        elif msg_type in ("MISSION_ITEM_REACHED", "GPS_GLOBAL_ORIGIN"):
            event = {"msg": msg_type, **key_of(msg_type, fields)}
        elif msg_type == "EKF_STATUS_REPORT" and fields["flags"] != last_ekf:
            last_ekf = fields["flags"]
            event = {"msg": "EKF_FLAGS", "flags": fields["flags"]}
        elif msg_type == "GPS_RAW_INT" and fields["fix_type"] != last_fix:
            last_fix = fields["fix_type"]
            event = {
                "msg": "GPS_FIX",
                "fix_type": fields["fix_type"],
                "satellites_visible": fields["satellites_visible"],
            }
        elif msg_type == "EXTENDED_SYS_STATE" and fields["landed_state"] != last_landed:
            last_landed = fields["landed_state"]
            event = {"msg": "LANDED_STATE", "landed_state": fields["landed_state"]}
        if event is not None:
            event["vt"] = vt
            events.append(event)
    for event in events:
        event.pop("_count", None)
    return [{"vt": e.pop("vt"), **e} for e in events]


# Telemetry fields whose values a GCS or bridge may rely on, compared on the ground after the EKF
# uses GPS (02, 55-65 s: GUIDED, disarmed, home set).
GROUND_FIELDS: dict[str, tuple[str, ...]] = {
    "HEARTBEAT": ("type", "autopilot", "base_mode", "custom_mode", "system_status", "mavlink_version"),
    "SYS_STATUS": ("onboard_control_sensors_present", "onboard_control_sensors_enabled",
                   "onboard_control_sensors_health", "voltage_battery", "battery_remaining", "load"),
    "GPS_RAW_INT": ("fix_type", "satellites_visible", "lat", "lon", "alt", "eph", "epv", "h_acc", "v_acc"),
    "GLOBAL_POSITION_INT": ("lat", "lon", "alt"),
    "EKF_STATUS_REPORT": ("flags",),
    "BATTERY_STATUS": ("id", "temperature", "voltages", "current_battery", "battery_remaining", "charge_state"),
    "POWER_STATUS": ("Vcc", "Vservo", "flags"),
    "MEMINFO": ("brkval", "freemem", "freemem32"),
    "RC_CHANNELS": ("chancount", "chan1_raw", "chan2_raw", "chan3_raw", "chan4_raw", "chan5_raw", "chan6_raw",
                    "chan7_raw", "chan8_raw", "chan9_raw", "rssi"),
    "SERVO_OUTPUT_RAW": ("port", "servo1_raw", "servo2_raw", "servo3_raw", "servo4_raw", "servo9_raw"),
    "MISSION_CURRENT": ("seq", "total", "mission_state", "mission_mode"),
    "WIND": ("direction", "speed", "speed_z"),
    "TERRAIN_REPORT": ("lat", "lon", "spacing", "terrain_height", "pending", "loaded"),
    "TERRAIN_REQUEST": ("lat", "lon", "grid_spacing", "mask"),
    "ESC_TELEMETRY_1_TO_4": ("temperature", "voltage", "current", "totalcurrent", "rpm"),
    "SCALED_IMU3": ("xacc", "yacc", "zacc", "xgyro", "ygyro", "zgyro", "temperature"),
    "RAW_IMU": ("id",),
    "SIMSTATE": ("lat", "lng"),
    "AHRS2": ("lat", "lng"),
    "VFR_HUD": ("airspeed", "throttle"),
}  # fmt: skip


def ground_constants(records: list[dict[str, Any]], t0: float, t1: float) -> dict[str, dict[str, Any]]:
    """Values of ``GROUND_FIELDS`` that stay constant over the window (the others are noise)."""
    seen: dict[str, dict[str, set[str]]] = {}
    values: dict[str, dict[str, Any]] = {}
    for rec in records:
        if rec["dir"] != "rx" or not t0 <= rec["t"] < t1 or rec["type"] not in GROUND_FIELDS:
            continue
        for name in GROUND_FIELDS[rec["type"]]:
            value = _clean(rec["fields"][name])
            seen.setdefault(rec["type"], {}).setdefault(name, set()).add(json.dumps(value))
            values.setdefault(rec["type"], {})[name] = value
    return {
        msg_type: {name: values[msg_type][name] for name, distinct in fields.items() if len(distinct) == 1}
        for msg_type, fields in seen.items()
    }


def distill_streams(directory: Path) -> dict[str, Any]:
    """Which messages each stream id enables (02), burst order (03) and rates (README §3)."""
    records = load_records(directory, "02_streams_prearm")
    steps = load_steps(directory, "02_streams_prearm")
    per_stream: dict[str, list[str]] = {}
    starts = [(s["t"], s["stream"]) for s in steps if "stream" in s and "rate=2 start=1" in s["step"]]
    for t0, stream_id in starts:
        types = sorted(
            {
                r["type"]
                for r in records
                if r["dir"] == "rx"
                and t0 + 1.5 < r["t"] < t0 + 6.9
                and r["type"] not in ("HEARTBEAT", "TIMESYNC", "PARAM_VALUE", "STATUSTEXT", "COMMAND_ACK")
            }
        )
        per_stream[str(stream_id)] = types

    def rates(recs: list[dict[str, Any]], t0: float, t1: float) -> dict[str, float]:
        c = Counter(r["type"] for r in recs if r["dir"] == "rx" and t0 <= r["t"] < t1)
        return {k: round(v / (t1 - t0), 2) for k, v in sorted(c.items()) if v >= 2}

    flight = load_records(directory, "03_guided_takeoff_land")
    burst: list[str] = []
    for r in flight:
        if r["dir"] == "rx" and 60.1 < r["t"] < 60.3 and r["type"] not in ("HEARTBEAT", "PARAM_VALUE", "STATUSTEXT"):
            if r["type"] not in burst:
                burst.append(r["type"])
    return {
        "per_stream": per_stream,
        "ground_constants_guided_disarmed": ground_constants(records, 55.0, 65.0),
        "burst_order_in_flight": burst,
        "rates_hz": {
            "pre_ekf_all_4hz": rates(records, 3.0, 15.0),
            "ready_all_4hz_gpi_10hz": rates(records, 55.0, 65.0),
            "in_flight_all_4hz": rates(flight, 45.0, 75.0),
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recordings", type=Path, help="directory with NN_name.jsonl[.gz] and .steps.jsonl")
    parser.add_argument("out", type=Path, help="fixture directory (tests/simulators/fixtures)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    total = 0
    for name in REPLAYED_SCENARIOS:
        data = distill_scenario(args.recordings, name)
        path = args.out / f"scenario_{name}.json"
        path.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
        total += path.stat().st_size
        sys.stderr.write(f"{path}: {len(data['steps'])} steps, {len(data['timeline'])} events\n")
    path = args.out / "streams.json"
    path.write_text(json.dumps(distill_streams(args.recordings), indent=1) + "\n", encoding="utf-8")
    total += path.stat().st_size
    sys.stderr.write(f"{total / 1024:.0f} KiB written\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
