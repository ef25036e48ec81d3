"""MAVLink waypoint text (``QGC WPL 110``) both ways: mission items or a ``MissionPlan`` written as
tab-separated lines (``wpl_export``, ``wpl_export_plan``), and a file parsed and imported line by line
(``wpl_parse``, ``wpl_import``) with errors that name the line."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from django.utils.translation import gettext as _

from common.geo import point_problem
from drones.missions.interop.mission_plan import MissionPlan
from drones.missions.interop.reading import PlanFileError, Problems, _read_text, _zero_nan, items_to_plan
from drones.missions.items import CMD_NAV_WAYPOINT, FRAME_MISSION, command_name
from drones.missions.speaker import DEFAULT_SPEAKER, SpeakerConfig
from drones.vehicle import MissionItem

WPL_HEADER = "QGC WPL 110"
WPL_VERSIONS = ("110", "120")
WPL_COLUMNS = (
    "index", "current", "frame", "command", "param1", "param2", "param3", "param4",
    "latitude", "longitude", "altitude", "autocontinue",
)  # fmt: skip


def _fmt(value: float | int) -> str:
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def wpl_export(items: Sequence[MissionItem]) -> str:
    """``QGC WPL 110`` text of mission items (item 0 = home, marked current as QGC and Mission Planner do)."""
    lines = [WPL_HEADER]
    for seq, item in enumerate(items):
        values = (
            seq,
            1 if seq == 0 else 0,
            item.frame,
            item.command,
            item.param1,
            item.param2,
            item.param3,
            item.param4,
            item.x,
            item.y,
            item.z,
            item.autocontinue,
        )
        lines.append("\t".join(_fmt(v) for v in values))
    return "\n".join(lines) + "\n"


def wpl_export_plan(plan: MissionPlan, *, speaker: SpeakerConfig | None = None) -> str:
    """A ``MissionPlan`` as ``QGC WPL 110`` text (home altitude AMSL in line 0; no fence or rally points)."""
    items = plan.items(speaker)
    if plan.home:
        items[0] = replace(items[0], z=plan.home[2])
    return wpl_export(items)


def _wpl_line(number: int, line: str, expected_index: int) -> MissionItem:
    """One item line (1-based ``number``), PlanFileError naming the line and column."""
    columns = line.rstrip("\r\n").split("\t")
    if len(columns) != len(WPL_COLUMNS):
        columns = line.split()
    if len(columns) != len(WPL_COLUMNS):
        raise PlanFileError(
            _("Line %(line)d has %(found)d columns; expected %(expected)d (%(names)s), separated by tabs.")
            % {"line": number, "found": len(columns), "expected": len(WPL_COLUMNS), "names": ", ".join(WPL_COLUMNS)},
            code="columns",
            line=number,
        )
    values: list[float] = []
    for name, column in zip(WPL_COLUMNS, columns, strict=True):
        try:
            value = float(column)
        except ValueError:
            value = math.nan
            column_ok = False
        else:
            column_ok = math.isfinite(value) or name in _NAN_ALLOWED and math.isnan(value)
        if not column_ok:
            raise PlanFileError(
                _("Line %(line)d, column %(name)s: %(value)r is not a number.")
                % {"line": number, "name": name, "value": column},
                code="number",
                line=number,
                field=name,
            )
        values.append(value)
    index, _current, frame, command, p1, p2, p3, p4, x, y, z, autocontinue = values
    for name, value in (("index", index), ("frame", frame), ("command", command)):
        if not value.is_integer():
            raise PlanFileError(
                _("Line %(line)d, column %(name)s: %(value)s is not a whole number.")
                % {"line": number, "name": name, "value": _fmt(value)},
                code="number",
                line=number,
                field=name,
            )
    if int(index) != expected_index:
        raise PlanFileError(
            _(
                "Line %(line)d has item index %(found)d; expected %(expected)d (items must be numbered 0, 1, 2... "
                "in order)."
            )
            % {"line": number, "found": int(index), "expected": expected_index},
            code="index",
            line=number,
            field="index",
        )
    return MissionItem(
        command=int(command),
        frame=int(frame),
        x=x,
        y=y,
        z=z,
        param1=_zero_nan(p1),
        param2=_zero_nan(p2),
        param3=_zero_nan(p3),
        param4=_zero_nan(p4),
        autocontinue=1 if autocontinue else 0,
    )


# Columns where NaN stands for "not used" (QGC writes unused params so); a position must be a number.
_NAN_ALLOWED = frozenset({"param1", "param2", "param3", "param4", "latitude", "longitude", "altitude"})


def _wpl_read(
    data: bytes | str | Any, problems: Problems, *, max_bytes: int | None
) -> tuple[list[MissionItem], list[int], set[int]]:
    """Every item line: the items, the line each came from, and the indexes of lines with a problem (a
    stand-in item holds their place). The header and an empty file are PlanFileErrors at once."""
    text = _read_text(data, max_bytes)
    numbered = [(number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not numbered:
        raise PlanFileError(_("The file is empty."), code="empty")
    header_line, header = numbered[0]
    parts = header.split()
    if len(parts) != 3 or parts[:2] != ["QGC", "WPL"] or parts[2] not in WPL_VERSIONS:
        raise PlanFileError(
            _("Line %(line)d: expected the header '%(header)s', found %(found)r.")
            % {"line": header_line, "header": WPL_HEADER, "found": header.strip()[:60]},
            code="header",
            line=header_line,
        )
    items: list[MissionItem] = []
    line_numbers: list[int] = []
    bad: set[int] = set()
    for number, line in numbered[1:]:
        try:
            items.append(_wpl_line(number, line, len(items)))
        except PlanFileError as exc:
            problems.add_error(exc)
            bad.add(len(items))
            items.append(MissionItem(CMD_NAV_WAYPOINT, FRAME_MISSION))
        line_numbers.append(number)
    if not items:
        raise PlanFileError(_("The file has a header but no mission items."), code="empty")
    return items, line_numbers, bad


def wpl_parse(data: bytes | str | Any, *, max_bytes: int | None = None) -> tuple[list[MissionItem], list[int]]:
    """Mission items of a WPL file and the (1-based) line each came from; PlanFileError listing every
    line with a problem."""
    problems = Problems()
    items, line_numbers, _bad = _wpl_read(data, problems, max_bytes=max_bytes)
    problems.check()
    return items, line_numbers


def _wpl_home(item: MissionItem, line: int) -> tuple[float, float, float] | None:
    """Line 0: home (lat, lon, alt AMSL); None when at 0, 0 (not set)."""
    if not (math.isfinite(item.x) and math.isfinite(item.y)) or (item.x, item.y) == (0.0, 0.0):
        return None
    problem = point_problem(item.x, item.y)
    if problem:
        raise PlanFileError(
            _("Line %(line)d (home): %(problem)s.") % {"line": line, "problem": problem},
            code="coordinates",
            line=line,
            field="latitude/longitude",
        )
    return item.x, item.y, item.z if math.isfinite(item.z) else 0.0


def wpl_import(
    data: bytes | str | Any, *, speaker: SpeakerConfig = DEFAULT_SPEAKER, max_bytes: int | None = None
) -> MissionPlan:
    """Read ``QGC WPL 110`` text: line 0 is home (lat, lon, alt AMSL; 0, 0 = not set), the rest the mission.

    Heights above sea level (frame 0, Mission Planner's "Absolute") are converted with the home
    altitude. Refuses what ``plan_import`` refuses, listing every problem with its line: a bad
    header, a wrong column count, text where a number belongs, items out of order, commands or
    frames a route cannot represent, swapped coordinates.
    """
    problems = Problems()
    items, line_numbers, bad = _wpl_read(data, problems, max_bytes=max_bytes)
    home = None
    if 0 not in bad:
        try:
            home = _wpl_home(items[0], line_numbers[0])
        except PlanFileError as exc:
            problems.add_error(exc, item=0, command=command_name(items[0].command))
    if home is None:
        items[0] = replace(items[0], x=0.0, y=0.0)
    plan = items_to_plan(items, home, speaker, problems, bad=bad - {0}, line_of=lambda seq: line_numbers[seq])
    problems.sort_from(0)
    problems.check()
    return plan
