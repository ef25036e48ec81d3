"""ArduCopter flight modes as this firmware reports them.

The numbers are HEARTBEAT.custom_mode. ``AVAILABLE_MODES_ORDER`` is the order in which
ArduCopter 4.7 answered ``REQUEST_MESSAGE(AVAILABLE_MODES, index)`` for index 1..24
(recording 02); it is not numeric. 13 SPORT and 26 AUTOROTATE are not compiled in.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Mode(IntEnum):
    STABILIZE = 0
    ACRO = 1
    ALT_HOLD = 2
    AUTO = 3
    GUIDED = 4
    LOITER = 5
    RTL = 6
    CIRCLE = 7
    LAND = 9
    DRIFT = 11
    FLIP = 14
    AUTOTUNE = 15
    POSHOLD = 16
    BRAKE = 17
    THROW = 18
    AVOID_ADSB = 19
    GUIDED_NOGPS = 20
    SMARTRTL = 21
    FLOWHOLD = 22
    FOLLOW = 23
    ZIGZAG = 24
    SYSTEMID = 25
    AUTO_RTL = 27
    TURTLE = 28


# Names exactly as AVAILABLE_MODES.mode_name carries them.
MODE_NAMES: dict[int, str] = {mode.value: mode.name for mode in Mode}
MODE_NAMES[Mode.AUTO_RTL] = "AUTO RTL"

AVAILABLE_MODES_ORDER: tuple[int, ...] = (
    27, 3, 1, 0, 2, 7, 5, 4, 9, 6, 11, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 28,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ModeTraits:
    """What the simulator knows about a mode.

    ``position_control``: the horizontal position controller runs (HEARTBEAT bit 8
    GUIDED_ENABLED, SYS_STATUS Z/XY control bits). ``needs_armed_for_position_control``:
    AUTO and RTL only run it while armed (after landing and disarm base_mode is 81).
    ``requires_position``: an armed vehicle without a position estimate refuses the mode.
    """

    simulated: bool
    position_control: bool = False
    needs_armed_for_position_control: bool = False
    requires_position: bool = False


MODE_TRAITS: dict[int, ModeTraits] = {
    Mode.STABILIZE: ModeTraits(simulated=True),
    Mode.GUIDED: ModeTraits(simulated=True, position_control=True, requires_position=True),
    Mode.LOITER: ModeTraits(simulated=True, position_control=True, requires_position=True),
    Mode.BRAKE: ModeTraits(simulated=True, position_control=True, requires_position=True),
    Mode.LAND: ModeTraits(simulated=True, position_control=True),
    Mode.AUTO: ModeTraits(
        simulated=True, position_control=True, needs_armed_for_position_control=True, requires_position=True
    ),
    Mode.RTL: ModeTraits(
        simulated=True, position_control=True, needs_armed_for_position_control=True, requires_position=True
    ),
}
UNSIMULATED = ModeTraits(simulated=False)


def mode_traits(custom_mode: int) -> ModeTraits:
    return MODE_TRAITS.get(custom_mode, UNSIMULATED)


def mode_name(custom_mode: int) -> str:
    return MODE_NAMES.get(custom_mode, str(custom_mode))


def is_known_mode(custom_mode: int) -> bool:
    """True for every mode this firmware lists in AVAILABLE_MODES."""
    return custom_mode in MODE_NAMES
