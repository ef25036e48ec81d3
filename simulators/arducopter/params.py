"""The vehicle's parameter table: 1349 ArduCopter 4.7 parameters with their wire types.

Values and order come from ``simulators/data/params_copter_4.7_indexed.json`` (observed in
recording 01). Values are coerced like the firmware stores them: integer types are rounded
and clamped, REAL32 goes through float32.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "params_copter_4.7_indexed.json"

PARAM_TYPE_INT8 = 2
PARAM_TYPE_INT16 = 4
PARAM_TYPE_INT32 = 6
PARAM_TYPE_REAL32 = 9

_INT_LIMITS = {
    PARAM_TYPE_INT8: (-128, 127),
    PARAM_TYPE_INT16: (-32768, 32767),
    PARAM_TYPE_INT32: (-(2**31), 2**31 - 1),
}

# Parameters the firmware keeps for itself: a PARAM_SET is answered with the unchanged value
# and "Param write denied (NAME)" (observed for MIS_TOTAL in 01; FENCE_TOTAL and RALLY_TOTAL
# carry the same internal-use flag in ArduPilot and are treated alike).
READ_ONLY = frozenset({"MIS_TOTAL", "FENCE_TOTAL", "RALLY_TOTAL"})

# Observed oddity (05): PARAM_SET FENCE_ACTION (INT8) was echoed with param_type 9 (REAL32),
# although PARAM_REQUEST_READ reports it as INT8. Replayed as data, not as logic.
ECHO_TYPE_QUIRKS = {"FENCE_ACTION": PARAM_TYPE_REAL32}


@dataclass(frozen=True, slots=True)
class ParamTable:
    """The immutable part, shared by every vehicle."""

    names: tuple[str, ...]
    types: tuple[int, ...]
    defaults: tuple[float, ...]
    index_by_name: dict[str, int]


@cache
def param_table() -> ParamTable:
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))["params"]
    raw.sort(key=lambda row: row[0])
    names = tuple(row[1] for row in raw)
    types = tuple(int(row[3]) for row in raw)
    defaults = tuple(float(row[2]) for row in raw)
    return ParamTable(names=names, types=types, defaults=defaults, index_by_name={n: i for i, n in enumerate(names)})


def float32(value: float) -> float:
    """Round a Python float to the nearest IEEE float32 (how REAL32 parameters are stored)."""
    if math.isnan(value) or math.isinf(value):
        return value
    try:
        return struct.unpack("<f", struct.pack("<f", value))[0]
    except OverflowError:
        return math.copysign(3.4028234663852886e38, value)


def coerce(param_type: int, value: float) -> float:
    if param_type == PARAM_TYPE_REAL32:
        return float32(float(value))
    low, high = _INT_LIMITS[param_type]
    if math.isnan(value):
        return 0.0
    return float(min(high, max(low, int(round(value)))))


class ParamStore:
    """One vehicle's parameter values plus change listeners.

    Listeners are called with (name, new_value) after a change, so behaviour that depends
    on a parameter (battery voltage, fence enable, system id) follows it at once.
    """

    def __init__(self, overrides: dict[str, float] | None = None) -> None:
        self.table = param_table()
        self.values: list[float] = list(self.table.defaults)
        self._listeners: list[Callable[[str, float], None]] = []
        for name, value in (overrides or {}).items():
            self.set(name, value, notify=False)

    @property
    def count(self) -> int:
        return len(self.values)

    def index(self, name: str) -> int | None:
        return self.table.index_by_name.get(name)

    def __contains__(self, name: str) -> bool:
        return name in self.table.index_by_name

    def get(self, name: str) -> float:
        return self.values[self.table.index_by_name[name]]

    def get_int(self, name: str) -> int:
        return int(self.values[self.table.index_by_name[name]])

    def type_of(self, name: str) -> int:
        return self.table.types[self.table.index_by_name[name]]

    def add_listener(self, listener: Callable[[str, float], None]) -> None:
        self._listeners.append(listener)

    def set(self, name: str, value: float, *, notify: bool = True) -> float:
        """Store ``value`` coerced to the parameter's type; returns the stored value."""
        index = self.table.index_by_name[name]
        stored = coerce(self.table.types[index], value)
        self.values[index] = stored
        if notify:
            for listener in self._listeners:
                listener(name, stored)
        return stored
