"""What the ``.plan`` and WPL importers share: the upload read as text within the size limit, heights
above sea level converted to heights above home (``heights_to_relative``), and the mission items
decompiled into a ``MissionPlan`` that must compile again (``items_to_plan``), every item's problems
found in one pass (``decompile_all``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.geo import point_problem
from drones.missions.decompile import Decompiled, decompile
from drones.missions.interop.errors import FIELD_OF_CODE, MAX_PROBLEMS, PlanFileError, PlanProblem, Problems
from drones.missions.interop.mission_plan import MissionPlan
from drones.missions.interop.qgc_format import POSITIONED_COMMANDS
from drones.missions.items import (
    CMD_DO_CHANGE_SPEED,
    CMD_NAV_TAKEOFF,
    CMD_NAV_WAYPOINT,
    FRAME_GLOBAL,
    FRAME_GLOBAL_RELATIVE_ALT,
    FRAME_MISSION,
    FRAME_NAMES,
    DecompileError,
    command_name,
    finite,
)
from drones.missions.route import RouteError
from drones.missions.speaker import SpeakerConfig
from drones.vehicle import MissionItem


def _read_text(data: Any, max_bytes: int | None) -> str:
    """The upload as text: bytes, str or a file object (Django ``UploadedFile``), at most ``max_bytes``
    (default ``settings.UPLOAD_MAX_BYTES``), UTF-8 with or without a byte-order mark."""
    limit = max_bytes if max_bytes is not None else settings.UPLOAD_MAX_BYTES
    if hasattr(data, "read"):
        size = getattr(data, "size", None)
        raw = b"" if size is not None and size > limit else data.read(limit + 1)
        size = size if size is not None and size > limit else len(raw)
    else:
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        size = len(raw)
    if size > limit:
        raise PlanFileError(
            _("The file is %(size)s; files up to %(limit)s are accepted.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PlanFileError(
            _("The file is not UTF-8 text (undecodable byte at offset %(offset)d).") % {"offset": exc.start},
            code="encoding",
        ) from None


def _zero_nan(value: float) -> float:
    return 0.0 if math.isnan(value) else value


# Frames whose heights are above mean sea level, converted with the home altitude; frames above terrain,
# which need terrain data the system does not have.
AMSL_FRAMES = frozenset({FRAME_GLOBAL, 5})  # GLOBAL, GLOBAL_INT
TERRAIN_FRAMES = frozenset({10, 11})  # GLOBAL_TERRAIN_ALT, GLOBAL_TERRAIN_ALT_INT
# What stands in for an item with a problem while the rest of the file is read, so that every item's
# problems are found in one pass: a speed change (valid anywhere before the return), or for a
# navigation command a waypoint (the next items still have one to attach to).
_STAND_IN = MissionItem(CMD_DO_CHANGE_SPEED, FRAME_MISSION, param1=1.0, param2=5.0)
_STAND_IN_HEIGHT_M = 10.0


def _at_line(message: str, line: int | None) -> str:
    return message if line is None else _("Line %(line)d: %(message)s") % {"line": line, "message": message}


def _item_problem(
    items: Sequence[MissionItem], seq: int, message: str, code: str, field: str | None, line_of
) -> PlanProblem:
    line = line_of(seq) if line_of else None
    return PlanProblem(
        _at_line(message, line),
        code=code,
        item=seq,
        command=command_name(items[seq].command),
        field=field,
        line=line,
    )


def heights_to_relative(
    items: Sequence[MissionItem], home_alt_m: float | None, problems: Problems, *, line_of=None
) -> tuple[list[MissionItem], set[int], int]:
    """Positioned items (take-off, waypoints, loiters) with heights above mean sea level (frame 0 GLOBAL,
    5 GLOBAL_INT) given heights above home (frame 3) with the home altitude ``home_alt_m`` (m AMSL).

    Returns the items, the sequence numbers of those that cannot be converted (each a problem: no
    home altitude, no height, not above home, or a height above terrain) and how many were converted.
    """
    out = list(items)
    bad: set[int] = set()
    converted = 0
    for seq, item in enumerate(items[1:], start=1):
        if item.command not in POSITIONED_COMMANDS:
            continue
        name = command_name(item.command)
        message = None
        if item.frame in TERRAIN_FRAMES:
            message = _(
                "Mission item %(seq)d (%(name)s) uses frame %(frame)s: heights above terrain follow the ground, and "
                "this system plans heights above the launch point without terrain data. Set the item's altitude "
                "to 'Relative' (frame 3) in QGroundControl or Mission Planner."
            ) % {"seq": seq, "name": name, "frame": FRAME_NAMES.get(item.frame, str(item.frame))}
        elif item.frame in AMSL_FRAMES:
            if home_alt_m is None:
                message = _(
                    "Mission item %(seq)d (%(name)s) gives its height above mean sea level (frame %(frame)d), and the "
                    "plan has no home altitude to convert it with. Set the planned home position, or use 'Relative' "
                    "heights (frame 3)."
                ) % {"seq": seq, "name": name, "frame": item.frame}
            elif not finite(item.z):
                message = _(
                    "Mission item %(seq)d (%(name)s) has no height (QGroundControl leaves it empty when it is to be "
                    "calculated from terrain data, which this system does not have). Give the height 'Relative' "
                    "(frame 3)."
                ) % {"seq": seq, "name": name}
            elif item.z - home_alt_m <= 0:
                message = _(
                    "Mission item %(seq)d (%(name)s) is at %(amsl)g m above sea level, %(height)g m above the home "
                    "(%(home)g m above sea level); heights must be above the launch point."
                ) % {
                    "seq": seq,
                    "name": name,
                    "amsl": item.z,
                    "height": round(item.z - home_alt_m, 2),
                    "home": home_alt_m,
                }
            else:
                out[seq] = replace(item, frame=FRAME_GLOBAL_RELATIVE_ALT, z=round(item.z - home_alt_m, 2))
                converted += 1
        if message is not None:
            field = "altitude" if item.frame in AMSL_FRAMES and home_alt_m is not None else "frame"
            problems.add(
                _item_problem(items, seq, message, "frame" if field == "frame" else "altitude", field, line_of)
            )
            bad.add(seq)
    return out, bad, converted


def _stand_in(item: MissionItem, anchor: tuple[float, float] | None, seq: int) -> MissionItem:
    if seq == 0:
        return MissionItem(CMD_NAV_WAYPOINT, FRAME_GLOBAL, x=0.0, y=0.0, z=0.0)
    if item.command == CMD_NAV_TAKEOFF:
        return MissionItem(CMD_NAV_TAKEOFF, FRAME_GLOBAL_RELATIVE_ALT, z=_STAND_IN_HEIGHT_M)
    if item.command < _FIRST_NON_NAV_COMMAND:
        here = (item.x, item.y) if finite(item.x) and finite(item.y) and not point_problem(item.x, item.y) else anchor
        if here is not None:
            return MissionItem(CMD_NAV_WAYPOINT, FRAME_GLOBAL_RELATIVE_ALT, x=here[0], y=here[1], z=_STAND_IN_HEIGHT_M)
    return _STAND_IN


_FIRST_NON_NAV_COMMAND = 100  # MAV_CMD 16-99 are navigation commands (NAV_*), 100 on conditions and DO_*


def _anchor(items: Sequence[MissionItem], home: tuple[float, float, float] | None) -> tuple[float, float] | None:
    """A valid place for stand-in waypoints: home, else the first positioned item with a usable position."""
    if home is not None:
        return home[0], home[1]
    for item in items[1:]:
        if item.command in POSITIONED_COMMANDS and finite(item.x) and finite(item.y):
            if not point_problem(item.x, item.y):
                return item.x, item.y
    return None


def decompile_all(
    items: Sequence[MissionItem],
    speaker: SpeakerConfig,
    problems: Problems,
    *,
    home: tuple[float, float, float] | None = None,
    bad: set[int] | frozenset[int] = frozenset(),
    line_of=None,
) -> Decompiled | None:
    """``decompile`` the items, each problem of each item a problem (``bad`` items already have theirs).

    ``decompile`` stops at the first item it cannot represent; that item is replaced by a stand-in and
    the rest decompiled again, until it gets through. Returns None when there was any problem.
    """
    work = list(items)
    anchor = _anchor(items, home)
    for seq in bad:
        work[seq] = _stand_in(items[seq], anchor, seq)
    seen = set(bad)
    found = False
    while True:
        try:
            result = decompile(work, speaker=speaker)
        except DecompileError as exc:
            if exc.seq is None or exc.seq in seen:
                if not found and not bad:  # a problem of the whole mission, not one a stand-in made
                    problems.add(PlanProblem(exc.message, code=exc.code))
                return None
            problems.add(_item_problem(items, exc.seq, exc.message, exc.code, FIELD_OF_CODE.get(exc.code), line_of))
            found = True
            seen.add(exc.seq)
            if exc.code == "after_rtl" or len(problems.found) > MAX_PROBLEMS:
                return None  # every later item comes after the return too
            work[exc.seq] = _stand_in(items[exc.seq], anchor, exc.seq)
            continue
        return None if found or bad else result


def conversion_note(converted: int, home_alt_m: float | None) -> list[str]:
    if not converted:
        return []
    return [
        ngettext(
            "%(n)d waypoint converted from height above sea level with home at %(home)g m.",
            "%(n)d waypoints converted from height above sea level with home at %(home)g m.",
            converted,
        )
        % {"n": converted, "home": home_alt_m}
    ]


def items_to_plan(
    items: Sequence[MissionItem],
    home: tuple[float, float, float] | None,
    speaker: SpeakerConfig,
    problems: Problems,
    *,
    bad: set[int] | frozenset[int] = frozenset(),
    line_of=None,
) -> MissionPlan | None:
    """The plan of mission items (item 0 = home): heights above sea level converted, decompiled, and
    checked to compile again. Every problem goes to ``problems``; None when the items have any."""
    items, unconverted, converted = heights_to_relative(items, home[2] if home else None, problems, line_of=line_of)
    result = decompile_all(items, speaker, problems, home=home, bad=set(bad) | unconverted, line_of=line_of)
    if result is None:
        return None
    notes = conversion_note(converted, home[2] if home else None) + result.notes
    plan = MissionPlan(result.route, result.takeoff_alt_m, result.speed_mps, home, notes=notes, speaker=speaker)
    try:
        plan.items()
    except RouteError as exc:
        problems.add(
            PlanProblem(_("The plan cannot be flown as it is: %(problems)s.") % {"problems": exc}, code="route")
        )
        return None
    return plan
