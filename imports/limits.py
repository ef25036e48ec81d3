"""Bounds on the work one uploaded file may cause, and refusing archives that cannot be trusted.

An import reads the whole file before it writes anything, so a small hostile
file (a sheet declaring a million rows, a Shapefile of millions of empty
shapes, a zip bomb) could otherwise hold a worker for minutes and gigabytes.
Readers check these limits while they read, never trusting what a file
declares about itself, and stop at the first one passed. A refusal is not a
problem list of a dry run: nothing is kept, and the user is told what limit
was passed and where.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import shapely
from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from imports.report import Problem

# Geo files are read this many features at a time, so the limits hold however many a file declares.
_FEATURE_CHUNK = 5000

# Unpacking copies this much at a time, so memory never holds more of a member.
_COPY_CHUNK_BYTES = 1024 * 1024

# What zipfile and zlib raise on a member whose header lies: wrong sizes or CRC, truncated
# data, a compression method Python cannot unpack.
ZIP_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError)


@dataclass(frozen=True)
class ImportLimits:
    """The limits in force (``settings.IMPORT_MAX_*``), read when a file is read so tests can lower them."""

    rows: int
    columns: int
    cells: int
    features: int
    vertices: int
    layers: int
    unpacked_bytes: int

    @classmethod
    def current(cls) -> ImportLimits:
        return cls(
            rows=settings.IMPORT_MAX_ROWS,
            columns=settings.IMPORT_MAX_COLUMNS,
            cells=settings.IMPORT_MAX_CELLS,
            features=settings.IMPORT_MAX_FEATURES,
            vertices=settings.IMPORT_MAX_VERTICES,
            layers=settings.IMPORT_MAX_LAYERS,
            unpacked_bytes=settings.IMPORT_MAX_UNPACKED_BYTES,
        )


class FileRefused(Exception):
    """The file is refused before it has been read whole; ``problem`` says what and where.

    Nothing is kept of a refused file (no batch, no record), unlike a file that
    was read and has errors, which is kept as a failed batch with its report.
    """

    code = "import_refused"
    http_status = 400

    def __init__(self, message: str, *, row: int | None = None, column: str | None = None, value: str | None = None):
        super().__init__(message)
        self.problem = Problem(message, row=row, column=column, value=value)


class LimitExceeded(FileRefused):
    """The file holds more than an ``IMPORT_MAX_*`` setting allows."""

    code = "import_limit"
    http_status = 413


class ArchiveDamaged(FileRefused):
    """A zip (a zipped Shapefile, an XLSX workbook) cannot be unpacked as its headers say."""

    code = "archive_damaged"


def size_text(size_bytes: int) -> str:
    if size_bytes >= 1024 * 1024:
        return f"{size_bytes / (1024 * 1024):.1f} MiB"
    if size_bytes >= 1024:
        return f"{size_bytes / 1024:.1f} KiB"
    return f"{size_bytes} B"


def damaged(exc: BaseException, member: str | None = None) -> ArchiveDamaged:
    reason = str(exc) or type(exc).__name__
    if member and member not in reason:
        reason = f"{member}: {reason}"
    return ArchiveDamaged(_("The zip archive is damaged: %(reason)s.") % {"reason": reason})


@contextmanager
def unpacking(member: str | None = None) -> Iterator[None]:
    """Turn what zipfile and zlib raise on a lying header into ``ArchiveDamaged``."""
    try:
        yield
    except ZIP_DAMAGE as exc:
        raise damaged(exc, member) from None


def check_archive(members: list[zipfile.ZipInfo], limits: ImportLimits) -> None:
    """Refuse encrypted members and archives that declare more unpacked bytes than the limit.

    The declared sizes bound what unpacking can produce: zipfile stops a member
    at its declared size and fails its CRC check if there was more.
    """
    for member in members:
        if member.flag_bits & 0x1:
            raise ArchiveDamaged(
                _("The zip archive cannot be unpacked: %(member)s is encrypted; save it without a password.")
                % {"member": member.filename}
            )
    declared = sum(member.file_size for member in members)
    if declared > limits.unpacked_bytes:
        raise LimitExceeded(
            _(
                "The zip archive unpacks to %(size)s; imports unpack at most %(limit)s "
                "(IMPORT_MAX_UNPACKED_BYTES). Split the data into smaller files."
            )
            % {"size": size_text(declared), "limit": size_text(limits.unpacked_bytes)}
        )


def unpack_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path, *, budget_bytes: int) -> int:
    """Copy one member to ``target`` in chunks; refuse past ``budget_bytes`` or on damage. Returns bytes written."""
    written = 0
    with unpacking(member.filename), archive.open(member) as source, target.open("wb") as sink:
        while chunk := source.read(_COPY_CHUNK_BYTES):
            written += len(chunk)
            if written > budget_bytes:
                raise LimitExceeded(
                    _("%(member)s unpacks to more than %(limit)s (IMPORT_MAX_UNPACKED_BYTES).")
                    % {"member": member.filename, "limit": size_text(budget_bytes)}
                )
            sink.write(chunk)
    return written


# --- sheets (CSV, XLSX) -------------------------------------------------------------------------


def _first_beyond(values: Sequence[Any], limit: int) -> int | None:
    """Index of the first filled cell at or past ``limit``, or None (a tuple count runs in C)."""
    tail = values[limit:]
    if tail.count(None) + tail.count("") == len(tail):
        return None
    return next(i for i in range(limit, len(values)) if values[i] not in (None, ""))


def bounded_records(
    rows: Iterable[Sequence[Any]], *, where: str, limits: ImportLimits, text: Callable[[Any], str]
) -> tuple[Sequence[Any] | None, list[list[str]], list[int]]:
    """The header and the filled records of ``rows`` (row 1 first), refusing past the limits.

    Rows without any value are skipped and do not count. Values in a column past
    ``limits.columns`` are refused; empty ones there are dropped. ``where`` names
    the sheet or file in messages; ``text`` turns a kept value into its cell text.
    """
    header = None
    records: list[list[str]] = []
    numbers: list[int] = []
    cells = 0
    for number, values in enumerate(rows, start=1):
        if len(values) > limits.columns:
            index = _first_beyond(values, limits.columns)
            if index is not None:
                raise LimitExceeded(
                    _(
                        "%(where)s, row %(row)d has a value in column %(column)s; imports read at most "
                        "%(limit)d columns (IMPORT_MAX_COLUMNS)."
                    )
                    % {"where": where, "row": number, "column": get_column_letter(index + 1), "limit": limits.columns},
                    row=number,
                    column=get_column_letter(index + 1),
                )
            values = values[: limits.columns]
        filled = sum(1 for v in values if v not in (None, ""))
        if number == 1:
            header = values
            continue
        if not filled:
            continue
        if len(records) >= limits.rows:
            raise LimitExceeded(
                _(
                    "%(where)s has more than %(limit)d records (row %(row)d is one too many); imports take at "
                    "most %(limit)d (IMPORT_MAX_ROWS). Split the file."
                )
                % {"where": where, "row": number, "limit": limits.rows},
                row=number,
            )
        cells += filled
        if cells > limits.cells:
            raise LimitExceeded(
                _(
                    "%(where)s has more than %(limit)d filled cells (passed at row %(row)d); imports take at most "
                    "%(limit)d (IMPORT_MAX_CELLS). Split the file."
                )
                % {"where": where, "row": number, "limit": limits.cells},
                row=number,
            )
        records.append([text(v) for v in values])
        numbers.append(number)
    return header, records, numbers


# --- geo files -----------------------------------------------------------------------------------


@dataclass
class GeoBudget:
    """Features and vertices read so far from one file (across its layers), against the limits.

    Features are numbered from 1 across layers, as the report numbers them.
    """

    limits: ImportLimits
    features: int = 0
    vertices: int = 0

    def check_declared(self, count: int, *, where: str) -> None:
        """Refuse before reading when the file itself says it holds too many features."""
        if count > self.limits.features - self.features:
            raise LimitExceeded(
                _(
                    "%(where)s declares %(count)d features; imports take at most %(limit)d "
                    "(IMPORT_MAX_FEATURES). Split the layer."
                )
                % {"where": where, "count": count, "limit": self.limits.features}
            )

    def check_fields(self, count: int, *, where: str) -> None:
        if count > self.limits.columns:
            raise LimitExceeded(
                _("%(where)s has %(count)d attribute fields; imports read at most %(limit)d (IMPORT_MAX_COLUMNS).")
                % {"where": where, "count": count, "limit": self.limits.columns}
            )

    def take(self, geometries: np.ndarray, *, where: str) -> None:
        """Count the next features (shapely geometries or None) and their vertices; refuse past a limit."""
        if self.features + len(geometries) > self.limits.features:
            row = self.limits.features + 1
            raise LimitExceeded(
                _(
                    "%(where)s has more than %(limit)d features (feature %(row)d is one too many); imports take "
                    "at most %(limit)d (IMPORT_MAX_FEATURES). Split the layer."
                )
                % {"where": where, "row": row, "limit": self.limits.features},
                row=row,
            )
        if not len(geometries):
            return
        running = np.cumsum(shapely.get_num_coordinates(geometries), dtype=np.int64) + self.vertices
        over = np.flatnonzero(running > self.limits.vertices)
        if len(over):
            row = self.features + int(over[0]) + 1
            raise LimitExceeded(
                _(
                    "%(where)s has more than %(limit)d vertices in all (passed at feature %(row)d); imports take "
                    "at most %(limit)d (IMPORT_MAX_VERTICES). Simplify the geometries or split the layer."
                )
                % {"where": where, "row": row, "limit": self.limits.vertices},
                row=row,
                column="geometry",
            )
        self.features += len(geometries)
        self.vertices = int(running[-1])


def read_layer(path: Path, *, budget: GeoBudget, where: str, layer: str | None = None, encoding: str | None = None):
    """One layer as a GeoDataFrame, read ``_FEATURE_CHUNK`` features at a time within ``budget``.

    The feature count GDAL reports (from the .shx of a Shapefile) is checked
    first; reading in chunks keeps the limits even where that count is unknown
    or wrong. pyogrio errors propagate for the caller to word.
    """
    import geopandas as gpd
    import pandas as pd

    info = pyogrio.read_info(path, layer=layer, encoding=encoding)
    budget.check_declared(int(info["features"]), where=where)
    budget.check_fields(len(info["fields"]), where=where)
    frames = []
    read = 0
    while True:
        frame = pyogrio.read_dataframe(
            path, layer=layer, encoding=encoding, skip_features=read, max_features=_FEATURE_CHUNK
        )
        budget.take(frame.geometry.to_numpy(), where=where)
        frames.append(frame)
        read += len(frame)
        if len(frame) < _FEATURE_CHUNK:
            break
    if len(frames) == 1:
        return frames[0]
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry=frames[0].geometry.name, crs=frames[0].crs)


def shapefile_declared_records(archive: zipfile.ZipFile, parts: dict[str, zipfile.ZipInfo]) -> tuple[str, int]:
    """The larger record count a Shapefile's headers declare, and the part declaring it.

    The .shx holds 8 bytes per record after a 100-byte header; the .dbf header
    has its record count at byte 4. Read from the zip without unpacking the rest.
    """
    shx = parts[".shx"]
    counts = [(shx.filename, max(0, (shx.file_size - 100) // 8))]
    dbf = parts[".dbf"]
    with unpacking(dbf.filename), archive.open(dbf) as source:
        header = source.read(32)
    if len(header) == 32:
        counts.append((dbf.filename, struct.unpack_from("<I", header, 4)[0]))
    return max(counts, key=lambda item: item[1])
