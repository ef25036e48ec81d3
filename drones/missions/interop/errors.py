"""What cannot be imported from a plan or waypoint file, and where: ``PlanProblem`` (one problem: the
item, its command and field, or the line), ``Problems`` (those found so far in one file) and
``PlanFileError`` (the file refused, with every problem)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MAX_PROBLEMS = 100  # listed of one file; reading stops soon after, and the list says it was cut

# The file field a decompile problem is about, by ``DecompileError.code`` (QGC ``params`` are param1-4,
# then latitude, longitude, altitude; WPL columns have the same names).
FIELD_OF_CODE = {
    "frame": "frame",
    "coordinates": "latitude/longitude",
    "altitude": "altitude",
    "hold": "param1 (hold)",
    "speed": "param1/param2 (speed)",
    "unsupported_command": "command",
    "speaker_position": "command",
    "after_rtl": "command",
    "speaker_output": "param1 (output)",
    "speaker_state": "param2 (state)",
}


@dataclass(frozen=True)
class PlanProblem:
    """One thing a file cannot carry over, and where: the mission ``item`` (MAVLink sequence number, 0 =
    home) with its ``command`` name and ``field``, or the ``line`` (1-based, WPL files)."""

    message: str
    code: str = "invalid"
    item: int | None = None
    command: str | None = None
    field: str | None = None
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class PlanFileError(ValueError):
    """A plan or waypoint file that cannot be imported, with every problem found (``problems``).

    ``message``: the problem itself when there is one, else how many there are and the first
    (``messages()`` lists them all). ``code`` and ``line`` are the first problem's.
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str = "invalid",
        line: int | None = None,
        field: str | None = None,
        problems: Sequence[PlanProblem] | None = None,
    ):
        if not problems:
            message = message or _("The file cannot be imported.")
            problems = [PlanProblem(message, code=code, line=line, field=field)]
        self.problems = list(problems)
        first = self.problems[0]
        if len(self.problems) == 1:
            self.message = first.message
        elif self.problems[-1].code == "more":  # the list was cut at MAX_PROBLEMS
            self.message = _("The file has more than %(max)d problems; nothing was imported. %(first)s") % {
                "max": MAX_PROBLEMS,
                "first": first.message,
            }
        else:
            self.message = ngettext(
                "The file has %(n)d problem; nothing was imported. %(first)s",
                "The file has %(n)d problems; nothing was imported. %(first)s",
                len(self.problems),
            ) % {"n": len(self.problems), "first": first.message}
        self.code, self.line = first.code, first.line
        super().__init__(self.message)

    def messages(self) -> list[str]:
        return [p.message for p in self.problems]

    def __str__(self) -> str:
        return self.message


class Problems:
    """The problems found in one file so far. ``check()`` raises them all at once (nothing is imported
    from a file with any problem)."""

    def __init__(self) -> None:
        self.found: list[PlanProblem] = []

    def __bool__(self) -> bool:
        return bool(self.found)

    def add(self, problem: PlanProblem) -> None:
        self.found.append(problem)

    def add_error(self, error: PlanFileError, **where: Any) -> None:
        """Every problem of ``error``, with ``where`` (item, command, field) filled in where it is not known."""
        for problem in error.problems:
            known = {k: v for k, v in where.items() if getattr(problem, k) is None}
            self.found.append(replace(problem, **known))

    def sort_from(self, start: int) -> None:
        """Problems found since ``start`` in file order: by line (WPL) or item number, others after."""
        self.found[start:] = sorted(
            self.found[start:], key=lambda p: (p.line is None and p.item is None, p.line or 0, p.item or 0)
        )

    def check(self) -> None:
        if not self.found:
            return
        problems = self.found[:MAX_PROBLEMS]
        if len(self.found) > MAX_PROBLEMS:
            # Reading stops soon after the limit, so how many more there are is not known.
            problems.append(
                PlanProblem(_("Only the first %(max)d problems are listed.") % {"max": MAX_PROBLEMS}, code="more")
            )
        raise PlanFileError(problems=problems)
