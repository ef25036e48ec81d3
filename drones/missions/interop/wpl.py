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
from drones.missions.interop.reading import PlanFileError, _read_text, _to_plan, _zero_nan
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


def wpl_parse(data: bytes | str | Any, *, max_bytes: int | None = None) -> tuple[list[MissionItem], list[int]]:
    """Mission items of a WPL file and the (1-based) line each came from; PlanFileError naming the line."""
    text = _read_text(data, max_bytes)
    lines = text.splitlines()
    numbered = [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]
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
    for number, line in numbered[1:]:
        columns = line.rstrip("\r\n").split("\t")
        if len(columns) != len(WPL_COLUMNS):
            columns = line.split()
        if len(columns) != len(WPL_COLUMNS):
            raise PlanFileError(
                _("Line %(line)d has %(found)d columns; expected %(expected)d (%(names)s), separated by tabs.")
                % {
                    "line": number,
                    "found": len(columns),
                    "expected": len(WPL_COLUMNS),
                    "names": ", ".join(WPL_COLUMNS),
                },
                code="columns",
                line=number,
            )
        values: list[float] = []
        for name, column in zip(WPL_COLUMNS, columns, strict=True):
            try:
                values.append(float(column))
            except ValueError:
                raise PlanFileError(
                    _("Line %(line)d, column %(name)s: %(value)r is not a number.")
                    % {"line": number, "name": name, "value": column},
                    code="number",
                    line=number,
                ) from None
        index, _current, frame, command, p1, p2, p3, p4, x, y, z, autocontinue = values
        for name, value in (("index", index), ("frame", frame), ("command", command)):
            if not value.is_integer():
                raise PlanFileError(
                    _("Line %(line)d, column %(name)s: %(value)s is not a whole number.")
                    % {"line": number, "name": name, "value": _fmt(value)},
                    code="number",
                    line=number,
                )
        if int(index) != len(items):
            raise PlanFileError(
                _(
                    "Line %(line)d has item index %(found)d; expected %(expected)d (items must be numbered 0, 1, 2... "
                    "in order)."
                )
                % {"line": number, "found": int(index), "expected": len(items)},
                code="index",
                line=number,
            )
        items.append(
            MissionItem(
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
        )
        line_numbers.append(number)
    if not items:
        raise PlanFileError(_("The file has a header but no mission items."), code="empty")
    return items, line_numbers


def wpl_import(
    data: bytes | str | Any, *, speaker: SpeakerConfig = DEFAULT_SPEAKER, max_bytes: int | None = None
) -> MissionPlan:
    """Read ``QGC WPL 110`` text: line 0 is home (lat, lon, alt AMSL; 0, 0 = not set), the rest the mission.

    Refuses what ``plan_import`` refuses, naming the line: a bad header, a wrong
    column count, text where a number belongs, items out of order, commands or
    frames a route cannot represent, swapped coordinates.
    """
    items, line_numbers = wpl_parse(data, max_bytes=max_bytes)
    first = items[0]
    home = None
    if math.isfinite(first.x) and math.isfinite(first.y) and (first.x, first.y) != (0.0, 0.0):
        problem = point_problem(first.x, first.y)
        if problem:
            raise PlanFileError(
                _("Line %(line)d (home): %(problem)s.") % {"line": line_numbers[0], "problem": problem},
                code="coordinates",
                line=line_numbers[0],
            )
        home = (first.x, first.y, first.z if math.isfinite(first.z) else 0.0)
    return _to_plan(items, home, speaker, line_of=lambda seq: line_numbers[seq])
