"""What an import found and what it would do: problems by row and column, one action per record.

Rows are spreadsheet rows (the header is row 1, the first record row 2); for
GeoJSON, KML and Shapefile they are feature numbers starting at 1. A problem
without a row concerns the whole file (its encoding, its columns).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext as _

from common.texts import text_render, text_to_json


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    INVALID = "invalid"  # the record has errors; nothing can be written


class Unit(StrEnum):
    ROW = "row"
    FEATURE = "feature"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong (or worth a look) in the file."""

    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def where(self, unit: Unit | str) -> str:
        """``row 5, column lat`` / ``feature 3`` / ``file``."""
        parts = []
        if self.row is not None:
            parts.append(
                (_("row %(n)d") if unit == Unit.ROW else _("feature %(n)d")) % {"n": self.row},
            )
        if self.column:
            parts.append(_("column %(column)s") % {"column": self.column})
        return ", ".join(parts) or _("file")

    def describe(self, unit: Unit | str) -> str:
        """One line for a terminal: where, severity, message and the bad value."""
        text = f"{self.where(unit)}: {self.message}"
        if self.value not in (None, ""):
            text += " " + _("(value: %(value)s)") % {"value": repr(self.value)}
        if not self.is_error:
            text = _("warning") + ": " + text
        return text

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Problem:
        return cls(
            message=text_render(data.get("text"), fallback=data["message"]),
            row=data.get("row"),
            column=data.get("column"),
            value=data.get("value"),
            severity=Severity(data.get("severity", Severity.ERROR)),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
            # How to write the message again in the reader's language (``common.texts``), when it is known.
            "text": text_to_json(self.message),
            "severity": self.severity.value,
        }


@dataclass(slots=True)
class RowAction:
    """What applying the file does to the record of one row: its key, the action, the fields changed."""

    row: int
    key: str
    action: Action
    changes: tuple[str, ...] = ()
    # What the preview shows of the record as it would be stored, when the kind says (schools: ``name``,
    # ``lat``/``lon`` in WGS-84 after any datum conversion, the computed ``station`` and ``zone``).
    details: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        data = {"row": self.row, "key": self.key, "action": self.action.value, "changes": list(self.changes)}
        if self.details:
            data["details"] = dict(self.details)
        return data


@dataclass
class Report:
    """The dry-run (or apply) result of one file, stored on ``ImportBatch.report`` as JSON."""

    kind: str
    crs: str
    unit: Unit = Unit.ROW
    file_format: str = ""
    encoding: str = ""
    problems: list[Problem] = field(default_factory=list)
    rows: list[RowAction] = field(default_factory=list)
    # Kind-specific numbers worth showing, e.g. schools left without a responsible station.
    notes: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)

    def counts(self) -> dict[str, int]:
        by_action = dict.fromkeys(Action, 0)
        for row in self.rows:
            by_action[row.action] += 1
        errors = sum(1 for p in self.problems if p.is_error)
        return {
            "rows": len(self.rows),
            "create": by_action[Action.CREATE],
            "update": by_action[Action.UPDATE],
            "unchanged": by_action[Action.UNCHANGED],
            "invalid": by_action[Action.INVALID],
            "errors": errors,
            "warnings": len(self.problems) - errors,
        }

    def sorted_problems(self) -> list[Problem]:
        """File-level problems first, then by row; errors before warnings within a row."""
        return sorted(
            self.problems,
            key=lambda p: (p.row is not None, p.row or 0, not p.is_error),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "crs": self.crs,
            "unit": self.unit.value,
            "format": self.file_format,
            "encoding": self.encoding,
            "counts": self.counts(),
            "notes": dict(self.notes),
            "problems": [p.as_dict() for p in self.sorted_problems()],
            "rows": [r.as_dict() for r in self.rows],
        }
