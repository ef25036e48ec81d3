"""Checks against the full recordings, when ``ARDUPILOT_RECORDINGS`` points at them.

The recordings are not in the repository (CI uses the distilled fixtures). With them:

* the committed fixtures are what the distiller makes from the recordings today;
* the simulator's encoder rebuilds every vehicle frame of every tlog byte for byte (header,
  MAVLink 2 trailing-zero truncation, CRC extra) from its decoded fields - all but
  AVAILABLE_MODES, whose char field SITL pads with stale memory after the terminating NUL;
* the parameter table equals ``params_copter_4.7.json``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pymavlink.dialects.v20 import all as mavlink

from simulators.arducopter.params import param_table
from simulators.arducopter.wire import SPECS_BY_ID, Framer, pack_fields
from simulators.tools.distill_recordings import main as distill_main

RECORDINGS = Path(os.environ.get("ARDUPILOT_RECORDINGS", "")) if os.environ.get("ARDUPILOT_RECORDINGS") else None
FIXTURES = Path(__file__).parent / "fixtures"

pytestmark = pytest.mark.skipif(
    RECORDINGS is None or not RECORDINGS.is_dir(), reason="ARDUPILOT_RECORDINGS is not set to the recordings directory"
)


def test_committed_fixtures_are_up_to_date(tmp_path: Path) -> None:
    assert distill_main([str(RECORDINGS), str(tmp_path)]) == 0
    for path in sorted(tmp_path.glob("*.json")):
        assert json.loads(path.read_text()) == json.loads((FIXTURES / path.name).read_text()), path.name


def test_parameter_table_matches_the_recorded_list() -> None:
    recorded = json.loads((RECORDINGS / "params_copter_4.7.json").read_text())  # type: ignore[operator]
    table = param_table()
    assert list(recorded) == list(table.names) or set(recorded) == set(table.names)
    for name, value in recorded.items():
        assert table.defaults[table.index_by_name[name]] == pytest.approx(value, rel=1e-6, abs=1e-9), name


def _tlog_frames(path: Path):  # noqa: ANN202
    data = path.read_bytes()
    pos = 0
    while pos + 8 < len(data):
        pos += 8  # big-endian timestamp
        if data[pos] != 0xFD:
            raise AssertionError(f"{path.name}: not a MAVLink 2 frame at {pos}")
        length = data[pos + 1]
        signed = data[pos + 2] & 1
        end = pos + 12 + length + (13 if signed else 0)
        yield data[pos:end]
        pos = end


@pytest.mark.parametrize("tlog", sorted(p.name for p in RECORDINGS.glob("*.tlog")) if RECORDINGS else [])
def test_encoder_rebuilds_every_recorded_vehicle_frame(tlog: str) -> None:
    parser = mavlink.MAVLink(None)
    parser.robust_parsing = True
    checked = 0
    for frame in _tlog_frames(RECORDINGS / tlog):  # type: ignore[operator]
        sysid, compid, seq = frame[5], frame[6], frame[4]
        if sysid != 1:
            continue  # GCS frames
        assert (compid, frame[2]) == (1, 0), "vehicle frames are from comp 1 and unsigned"
        (msg,) = parser.parse_buffer(frame)
        if msg.get_type() == "AVAILABLE_MODES":
            continue  # SITL leaves stale bytes after the NUL of mode_name ("AUTO RTL\0...iled to"); same string
        spec = SPECS_BY_ID[msg.get_msgId()]
        fields = {k: v for k, v in msg.to_dict().items() if k != "mavpackettype"}
        framer = Framer(1, 1)
        framer.seq = seq
        assert framer.frame(spec, pack_fields(spec, fields)) == frame, msg.get_type()
        checked += 1
    assert checked > 100
