"""Columns of an import: header aliases, and vectorised parsing of text cells with every problem reported.

A kind declares its ``Column``s; ``map_headers`` matches the file's headers
(English names in any case, or the Chinese aliases) and reports unknown,
doubled and missing columns; a ``Checker`` then parses whole columns at once
with pandas and records one ``Problem`` per bad cell, with its row, the column
as the file names it, and the value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from django.utils.translation import gettext_noop

from common.texts import text
from imports.readers import FileFormat, Table
from imports.report import Problem, Severity, Unit

# Spreadsheet booleans: 1/0, true/false, yes/no, 是/否, Y/N (any case).
BOOLEAN_WORDS = {
    "1": True,
    "0": False,
    "true": True,
    "false": False,
    "yes": True,
    "no": False,
    "是": True,
    "否": False,
    "y": True,
    "n": False,
}

# DBF field names are at most 10 characters: ``station_code`` arrives as ``station_co``.
_DBF_NAME_LENGTH = 10


@dataclass(frozen=True)
class Column:
    name: str
    zh: str
    required: bool = False

    def __str__(self) -> str:
        return f"{self.name} ({self.zh})"


@dataclass(frozen=True)
class Choices:
    """Allowed values of an enumerated column: the English code or the Chinese label."""

    pairs: tuple[tuple[str, str], ...]

    @property
    def aliases(self) -> dict[str, str]:
        table = {}
        for value, zh in self.pairs:
            table[value.lower()] = str(value)
            table[zh] = str(value)
        return table

    def allowed(self) -> str:
        return ", ".join(f"{value} ({zh})" for value, zh in self.pairs)


@dataclass
class Sheet:
    """A table after its headers were matched: text cells by canonical column name."""

    table: Table
    positions: dict[str, int]  # canonical column -> position in the table
    headers: dict[str, str]  # canonical column -> header as the file writes it

    def __len__(self) -> int:
        return len(self.table)

    @property
    def rows(self) -> np.ndarray:
        return self.table.rows

    @property
    def unit(self) -> Unit:
        return self.table.unit

    @property
    def geometries(self) -> np.ndarray | None:
        return self.table.geometries

    def has(self, name: str) -> bool:
        return name in self.positions

    def text(self, name: str) -> pd.Series:
        """The column's cells (``""`` when empty), or all-empty when the file lacks it."""
        if name not in self.positions:
            return pd.Series([""] * len(self), dtype=object)
        return self.table.frame[self.positions[name]]

    def label(self, name: str) -> str:
        """How to name the column to the user: as their file does, else the canonical name."""
        return self.headers.get(name, name)


def map_headers(table: Table, columns: Sequence[Column]) -> tuple[Sheet, list[Problem]]:
    """Match the file's headers to ``columns``; report unknown, doubled and missing ones by name."""
    lookup: dict[str, Column] = {}
    for column in columns:
        lookup[column.name.lower()] = column
        lookup[column.zh] = column
    if table.file_format is FileFormat.SHAPEFILE:
        for column in columns:
            lookup.setdefault(column.name[:_DBF_NAME_LENGTH].lower(), column)
    known = ", ".join(str(c) for c in columns)
    row = table.header_row
    problems: list[Problem] = []
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    for position, header in enumerate(table.headers):
        if header == "":
            if len(table.frame.columns) > position and (table.frame[position] != "").any():
                problems.append(
                    Problem(text(gettext_noop("Column %(n)d has values but no name."), n=position + 1), row=row)
                )
            continue
        column = lookup.get(header.lower()) or lookup.get(header)
        if column is None:
            if header not in table.ignorable:
                # Geodata files carry attributes their GIS adds (OBJECTID, Shape_Area...): those are
                # only worth a warning. In a spreadsheet an unknown column is a mistake to fix.
                geodata = table.file_format in (FileFormat.GEOJSON, FileFormat.KML, FileFormat.SHAPEFILE)
                problems.append(
                    Problem(
                        text(
                            gettext_noop("Unknown attribute “%(header)s” is ignored; this import reads: %(known)s.")
                            if geodata
                            else gettext_noop(
                                "Unknown column “%(header)s”. The columns of this import are: %(known)s."
                            ),
                            header=header,
                            known=known,
                        ),
                        row=row,
                        column=header,
                        severity=Severity.WARNING if geodata else Severity.ERROR,
                    )
                )
            continue
        if column.name in positions:
            if header in table.ignorable:
                continue
            if headers[column.name] in table.ignorable:
                positions[column.name], headers[column.name] = position, header
                continue
            problems.append(
                Problem(
                    text(
                        gettext_noop("Columns “%(first)s” and “%(second)s” both mean %(column)s."),
                        first=headers[column.name],
                        second=header,
                        column=str(column),
                    ),
                    row=row,
                    column=header,
                )
            )
            continue
        positions[column.name] = position
        headers[column.name] = header
    for column in columns:
        if column.required and column.name not in positions:
            problems.append(
                Problem(
                    text(gettext_noop("The required column %(column)s is missing."), column=str(column)),
                    row=row,
                    column=column.name,
                )
            )
    return Sheet(table, positions, headers), problems


@dataclass
class Checker:
    """Parses a sheet's columns and collects problems; ``bad`` marks records with at least one error."""

    sheet: Sheet
    problems: list[Problem] = field(default_factory=list)
    bad: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.bad = np.zeros(len(self.sheet), dtype=bool)

    # --- recording ------------------------------------------------------------------------------

    def error(self, index: int, column: str | None, message: str, value: Any = None) -> None:
        self.problems.append(
            Problem(
                message,
                row=int(self.sheet.rows[index]),
                column=self.sheet.label(column) if column else None,
                value=None if value is None else str(value),
            )
        )
        self.bad[index] = True

    def warning(self, index: int, column: str | None, message: str, value: Any = None) -> None:
        self.problems.append(
            Problem(
                message,
                row=int(self.sheet.rows[index]),
                column=self.sheet.label(column) if column else None,
                value=None if value is None else str(value),
                severity=Severity.WARNING,
            )
        )

    def errors(self, mask: np.ndarray, column: str, cells: pd.Series, message: Callable[[str], str]) -> None:
        """One error per True in ``mask`` (only bad rows are visited, so this stays fast)."""
        for index in np.flatnonzero(np.asarray(mask, dtype=bool)):
            value = cells.iat[index]
            self.error(int(index), column, message(value), value)

    def missing_column(self, name: str) -> bool:
        """A required column the file lacks: every record is unusable (the header problem says why)."""
        if self.sheet.has(name):
            return False
        self.bad[:] = True
        return True

    # --- typed columns --------------------------------------------------------------------------

    def text(self, name: str, *, required: bool = False, max_length: int | None = None) -> pd.Series | None:
        """Text cells; None when an optional column is absent (leave the field alone)."""
        if not self.sheet.has(name):
            if required:
                self.missing_column(name)
                return self.sheet.text(name)
            return None
        cells = self.sheet.text(name)
        if required:
            self.errors(
                (cells == "").to_numpy(),
                name,
                cells,
                lambda v: text(gettext_noop("“%(column)s” needs a value."), column=self.sheet.label(name)),
            )
        if max_length is not None:
            lengths = cells.str.len().to_numpy()
            self.errors(
                lengths > max_length,
                name,
                cells,
                lambda v: text(
                    gettext_noop("Too long: %(length)d characters, at most %(max)d."), length=len(v), max=max_length
                ),
            )
        return cells

    def choice(self, name: str, choices: Choices, *, required: bool = False, default: str = "") -> pd.Series | None:
        """Enumerated cells as their codes; an empty optional cell gives ``default``."""
        cells = self.text(name, required=required)
        if cells is None or not self.sheet.has(name):
            return cells
        mapped = cells.str.lower().map(choices.aliases)
        bad = (mapped.isna() & (cells != "")).to_numpy()
        self.errors(
            bad,
            name,
            cells,
            lambda v: text(
                gettext_noop("“%(value)s” is not an allowed value; use one of: %(allowed)s."),
                value=v,
                allowed=choices.allowed(),
            ),
        )
        return mapped.where(mapped.notna(), default).astype(object)

    def boolean(self, name: str, *, default: bool) -> pd.Series | None:
        cells = self.text(name)
        if cells is None:
            return None
        mapped = cells.str.lower().map(BOOLEAN_WORDS)
        bad = (mapped.isna() & (cells != "")).to_numpy()
        self.errors(
            bad,
            name,
            cells,
            lambda v: text(
                gettext_noop("“%(value)s” is not a yes/no value; use 1/0, true/false, yes/no, 是/否 or Y/N."), value=v
            ),
        )
        return mapped.where(mapped.notna(), default).astype(bool)

    def integer(
        self, name: str, *, min_value: int | None = 0, max_value: int | None = None, default: int | None = None
    ) -> pd.Series | None:
        """Whole numbers as Python ints (object Series); an empty cell gives ``default``."""
        cells = self.text(name)
        if cells is None:
            return None
        numbers = pd.to_numeric(cells.where(cells != "", None), errors="coerce").to_numpy(dtype=float, copy=True)
        filled = (cells != "").to_numpy()
        with np.errstate(invalid="ignore"):
            not_number = filled & (np.isnan(numbers) | (np.mod(numbers, 1) != 0) | np.isinf(numbers))
        self.errors(
            not_number, name, cells, lambda v: text(gettext_noop("“%(value)s” is not a whole number."), value=v)
        )
        usable = filled & ~not_number
        if min_value is not None:
            self.errors(
                usable & (numbers < min_value),
                name,
                cells,
                lambda v: text(gettext_noop("%(value)s is less than %(min)d."), value=v, min=min_value),
            )
        if max_value is not None:
            self.errors(
                usable & (numbers > max_value),
                name,
                cells,
                lambda v: text(gettext_noop("%(value)s is more than %(max)d."), value=v, max=max_value),
            )
        values = np.full(len(cells), default, dtype=object)
        values[usable] = numbers[usable].astype(np.int64).tolist()
        return pd.Series(values, dtype=object)

    def number(self, name: str) -> np.ndarray | None:
        """Decimal numbers as floats, NaN where empty or bad (bad ones are reported)."""
        cells = self.text(name)
        if cells is None:
            return None
        numbers = pd.to_numeric(cells.where(cells != "", None), errors="coerce").to_numpy(dtype=float, copy=True)
        self.errors(
            (cells != "").to_numpy() & ~np.isfinite(numbers),
            name,
            cells,
            lambda v: text(gettext_noop("“%(value)s” is not a number."), value=v),
        )
        numbers[~np.isfinite(numbers)] = np.nan
        return numbers

    # --- relations --------------------------------------------------------------------------------

    def duplicates(self, keys: pd.Series, column: str, *, what: str, shown: pd.Series | None = None) -> None:
        """Report every repeat of a key after its first row (empty keys are reported elsewhere).

        ``what`` names the key as a ``Text`` (``text(gettext_noop("School code"))``), so the stored message
        names it in its reader's language. ``shown`` is what to call the key in the message when ``keys`` is
        a compound (school and gate).
        """
        shown = keys if shown is None else shown
        repeated = (keys.duplicated(keep="first") & (shown != "")).to_numpy()
        if not repeated.any():
            return
        first_row: dict[str, int] = {}
        for index, key in enumerate(keys):
            first_row.setdefault(key, int(self.sheet.rows[index]))
        for index in np.flatnonzero(repeated):
            value = shown.iat[index]
            self.error(
                int(index),
                column,
                text(
                    gettext_noop("%(what)s “%(value)s” appears more than once in the file (first in row %(first)d)."),
                    what=what,
                    value=value,
                    first=first_row[keys.iat[index]],
                ),
                value,
            )

    def lookup(
        self, name: str, cells: pd.Series | None, known: Mapping[str, Any], *, message: str
    ) -> np.ndarray | None:
        """Replace codes by what ``known`` maps them to; unknown non-empty codes are errors.

        ``message`` is a message id (``gettext_noop``) with ``%(value)s``. Returns None for an absent column.
        """
        if cells is None:
            return None
        result = cells.map(known).to_numpy(dtype=object, copy=True)
        unknown = (cells != "").to_numpy() & pd.isna(result)
        self.errors(unknown, name, cells, lambda v: text(message, value=v))
        result[pd.isna(result)] = None
        return result


def chunked(values: Iterable[Any], size: int = 900) -> Iterable[list[Any]]:
    """Split long ``__in`` lookups: SQLite limits the number of query parameters."""
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
