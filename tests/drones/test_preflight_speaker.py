"""The preflight checks the loudspeaker's output when the mission switches the loudspeaker.

ArduPilot obeys DO_SET_SERVO only on an output whose SERVOn_FUNCTION is free (none, manual or
RCIN pass-through) and DO_SET_RELAY only on a relay set up as one; otherwise the mission flies
silent while every DO item counts as done.
"""

from __future__ import annotations

from drones.missions import preflight
from drones.missions.speaker import SpeakerConfig

SERVO = SpeakerConfig(output="servo", servo=9, on_pwm=1900, off_pwm=1100)
RELAY = SpeakerConfig()

BASE_PARAMS = {
    "FS_GCS_ENABLE": 1,
    "FENCE_ENABLE": 1,
    "FENCE_ACTION": 1,
    "FENCE_TYPE": 5,
    "FENCE_ALT_MAX": 120,
    "FENCE_RADIUS": 600,
    "RTL_ALT": 3000,
}


def items(params, speaker):
    return {
        i.key: i
        for i in preflight.preflight_items(
            telemetry={},
            params=params,
            required_battery_pct=0,
            licence_ok=True,
            licence_detail="",
            approval_ref="A",
            mission_ok=True,
            mission_detail="",
            confirmed=True,
            speaker=speaker,
        )
    }


def test_a_mission_without_the_loudspeaker_reads_no_output_parameter():
    assert not [k for k in preflight.required_params() if k.startswith(("SERVO", "RELAY"))]


def test_a_servo_loudspeaker_on_an_output_a_function_owns_is_blocking_and_fixed_to_free():
    checks = items({**BASE_PARAMS, "SERVO9_FUNCTION": 33}, SERVO)  # 33: a motor
    assert not checks["param:SERVO9_FUNCTION"].ok and checks["param:SERVO9_FUNCTION"].fixable
    assert "SERVO9" in checks["param:SERVO9_FUNCTION"].label
    fixes = preflight.preflight_fix_values({**BASE_PARAMS, "SERVO9_FUNCTION": 33}, speaker=SERVO)
    assert fixes == {"SERVO9_FUNCTION": 0}


def test_a_free_or_pass_through_servo_output_passes():
    for function in (0, 1, 51, 66):
        assert items({**BASE_PARAMS, "SERVO9_FUNCTION": function}, SERVO)["param:SERVO9_FUNCTION"].ok


def test_a_relay_loudspeaker_needs_its_relay_set_up_as_a_relay():
    assert items({**BASE_PARAMS, "RELAY1_FUNCTION": 1}, RELAY)["param:RELAY1_FUNCTION"].ok
    assert not items({**BASE_PARAMS, "RELAY1_FUNCTION": 0}, RELAY)["param:RELAY1_FUNCTION"].ok
    assert preflight.preflight_fix_values({**BASE_PARAMS, "RELAY1_FUNCTION": 0}, speaker=RELAY) == {
        "RELAY1_FUNCTION": 1
    }


def test_an_unreadable_output_parameter_blocks_and_is_not_offered_as_a_fix():
    check = items(dict(BASE_PARAMS), SERVO)["param:SERVO9_FUNCTION"]
    assert not check.ok and not check.fixable
