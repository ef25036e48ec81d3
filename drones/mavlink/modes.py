"""ArduCopter flight modes: HEARTBEAT.custom_mode number <-> name (as AVAILABLE_MODES names them)."""

from __future__ import annotations

COPTER_MODES: dict[int, str] = {
    0: "STABILIZE",
    1: "ACRO",
    2: "ALT_HOLD",
    3: "AUTO",
    4: "GUIDED",
    5: "LOITER",
    6: "RTL",
    7: "CIRCLE",
    9: "LAND",
    11: "DRIFT",
    13: "SPORT",
    14: "FLIP",
    15: "AUTOTUNE",
    16: "POSHOLD",
    17: "BRAKE",
    18: "THROW",
    19: "AVOID_ADSB",
    20: "GUIDED_NOGPS",
    21: "SMART_RTL",
    22: "FLOWHOLD",
    23: "FOLLOW",
    24: "ZIGZAG",
    25: "SYSTEMID",
    26: "AUTOROTATE",
    27: "AUTO_RTL",
    28: "TURTLE",
}
MODE_NUMBERS: dict[str, int] = {name: number for number, name in COPTER_MODES.items()}


def mode_name(custom_mode: int) -> str:
    return COPTER_MODES.get(custom_mode, f"MODE_{custom_mode}")


def mode_number(name: str) -> int:
    key = name.strip().upper().replace(" ", "_")
    if key not in MODE_NUMBERS:
        raise ValueError(f"unknown ArduCopter mode {name!r}; known: {', '.join(sorted(MODE_NUMBERS))}")
    return MODE_NUMBERS[key]
