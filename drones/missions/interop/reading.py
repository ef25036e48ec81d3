"""What the ``.plan`` and WPL importers share: the upload read as text within the size limit, heights
above sea level (and above terrain, with a terrain model) converted to heights above home
(``heights_to_relative``), and the mission items decompiled into a ``MissionPlan`` that must compile
again (``items_to_plan``), every item's problems found in one pass (``decompile_all``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, NamedTuple

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
# converted with the terrain model when there is one (``drones.terrain``).
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


class Heights(NamedTuple):
    """What ``heights_to_relative`` made of the items: the items, those it could not convert (each with its
    problem), how many it converted from above sea level and from above terrain, and the ground at home."""

    items: list[MissionItem]
    bad: set[int]
    converted: int
    terrain_converted: int = 0
    home_ground_m: float | None = None


def heights_to_relative(
    items: Sequence[MissionItem],
    home_alt_m: float | None,
    problems: Problems,
    *,
    line_of=None,
    home: tuple[float, float] | None = None,
) -> Heights:
    """Positioned items (take-off, waypoints, loiters) with heights above mean sea level (frame 0 GLOBAL,
    5 GLOBAL_INT) given heights above home (frame 3) with the home altitude ``home_alt_m`` (m AMSL); with
    a terrain model (``drones.terrain``), heights above terrain (frame 10, 11) too: the ground under the
    item, plus its height, less the ground at ``home`` (lat, lon WGS-84, the plan's home position).

    Every item that cannot be converted is a problem (no home altitude or position, no height, not above
    home, a height above terrain without a terrain model or without ground there).
    """
    out = list(items)
    bad: set[int] = set()
    converted = 0
    grounds, home_ground, terrain_problem = _terrain_grounds(items, home)
    terrain_converted = 0
    for seq, item in enumerate(items[1:], start=1):
        if item.command not in POSITIONED_COMMANDS:
            continue
        name = command_name(item.command)
        message = None
        if item.frame in TERRAIN_FRAMES:
            frame_name = FRAME_NAMES.get(item.frame, str(item.frame))
            if terrain_problem is not None:
                message = terrain_problem % {"seq": seq, "name": name, "frame": frame_name}
            elif not finite(item.z):
                message = _(
                    "Mission item %(seq)d (%(name)s) has no height above terrain (frame %(frame)s). Give its height."
                ) % {"seq": seq, "name": name, "frame": frame_name}
            elif grounds.get(seq) is None:
                message = _(
                    "Mission item %(seq)d (%(name)s) gives its height above terrain (frame %(frame)s), and the "
                    "terrain model has no ground at its position. Give the height 'Relative' (frame 3)."
                ) % {"seq": seq, "name": name, "frame": frame_name}
            else:
                height = round(grounds[seq] + item.z - home_ground, 2)
                if height <= 0:
                    message = _(
                        "Mission item %(seq)d (%(name)s) is %(agl)g m above the terrain, which is %(height)g m above "
                        "the home position; heights must be above the launch point."
                    ) % {"seq": seq, "name": name, "agl": item.z, "height": height}
                else:
                    out[seq] = replace(item, frame=FRAME_GLOBAL_RELATIVE_ALT, z=height)
                    terrain_converted += 1
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
            altitude = (item.frame in AMSL_FRAMES and home_alt_m is not None) or (
                item.frame in TERRAIN_FRAMES and terrain_problem is None and finite(item.z) and seq in grounds
            )
            field = "altitude" if altitude else "frame"
            problems.add(
                _item_problem(items, seq, message, "frame" if field == "frame" else "altitude", field, line_of)
            )
            bad.add(seq)
    return Heights(out, bad, converted, terrain_converted, home_ground)


def _terrain_grounds(
    items: Sequence[MissionItem], home: tuple[float, float] | None
) -> tuple[dict[int, float | None], float | None, str | None]:
    """The ground (m above sea level) under every positioned item above terrain with a usable position, the
    ground at home, and the problem of all of them (a message to fill with seq, name, frame) when they
    cannot be converted at all."""
    from drones.terrain import TerrainError, dem_path, ground_m

    wanted = [
        seq
        for seq, item in enumerate(items[1:], start=1)
        if item.command in POSITIONED_COMMANDS and item.frame in TERRAIN_FRAMES
    ]
    if not wanted:
        return {}, None, None
    if dem_path() is None:
        return (
            {},
            None,
            _(
                "Mission item %(seq)d (%(name)s) uses frame %(frame)s: heights above terrain follow the ground, and "
                "this system plans heights above the launch point without terrain data. Set the item's altitude "
                "to 'Relative' (frame 3) in QGroundControl or Mission Planner."
            ),
        )
    if home is None:
        return (
            {},
            None,
            _(
                "Mission item %(seq)d (%(name)s) gives its height above terrain (frame %(frame)s); it is converted "
                "with the terrain model from the plan's home position, and the plan has none. Set the planned home "
                "position, or use 'Relative' heights (frame 3)."
            ),
        )
    usable = [
        s for s in wanted if finite(items[s].x) and finite(items[s].y) and not point_problem(items[s].x, items[s].y)
    ]
    try:
        heights = ground_m([home, *((items[s].x, items[s].y) for s in usable)])
    except TerrainError as exc:
        message = _(
            "Mission item %(seq)d (%(name)s) gives its height above terrain (frame %(frame)s), and the terrain "
            "model cannot be read (%(error)s)."
        )
        return {}, None, message.replace("%(error)s", str(exc).replace("%", "%%"))
    if heights[0] is None:
        return (
            {},
            None,
            _(
                "Mission item %(seq)d (%(name)s) gives its height above terrain (frame %(frame)s), and the terrain "
                "model has no ground at the plan's home position to convert it from. Use 'Relative' heights (frame 3)."
            ),
        )
    return dict(zip(usable, heights[1:], strict=True)), heights[0], None


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


def terrain_note(converted: int, home_ground_m: float | None) -> list[str]:
    if not converted:
        return []
    return [
        ngettext(
            "%(n)d waypoint converted from height above terrain with the terrain model (the ground at home is "
            "%(ground).0f m above sea level). Between waypoints the drone flies straight, not along the ground: "
            "the checks test the heights above the ground along every leg.",
            "%(n)d waypoints converted from height above terrain with the terrain model (the ground at home is "
            "%(ground).0f m above sea level). Between waypoints the drone flies straight, not along the ground: "
            "the checks test the heights above the ground along every leg.",
            converted,
        )
        % {"n": converted, "ground": home_ground_m}
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
    heights = heights_to_relative(
        items, home[2] if home else None, problems, line_of=line_of, home=(home[0], home[1]) if home else None
    )
    result = decompile_all(heights.items, speaker, problems, home=home, bad=set(bad) | heights.bad, line_of=line_of)
    if result is None:
        return None
    notes = (
        conversion_note(heights.converted, home[2] if home else None)
        + terrain_note(heights.terrain_converted, heights.home_ground_m)
        + result.notes
    )
    plan = MissionPlan(result.route, result.takeoff_alt_m, result.speed_mps, home, notes=notes, speaker=speaker)
    try:
        plan.items()
    except RouteError as exc:
        problems.add(
            PlanProblem(_("The plan cannot be flown as it is: %(problems)s.") % {"problems": exc}, code="route")
        )
        return None
    return plan
