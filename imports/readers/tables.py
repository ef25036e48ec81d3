"""Reading CSV and XLSX files into a ``Table``: CSV decoded as UTF-8 or GBK/GB18030, the first sheet of an
XLSX workbook streamed, both read record by record within the import limits (``imports.limits``). Rows are
spreadsheet rows (the header is row 1); empty rows are dropped and cells past the header reported."""

from __future__ import annotations

import csv
import io
from xml.etree.ElementTree import ParseError

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from common.texts import text
from imports.limits import ZIP_DAMAGE, ImportLimits, bounded_records, check_archive, damaged, unpacking
from imports.readers.common import FileFormat, Table, cell_text, fail, open_zip
from imports.report import Problem, Unit


def decode_text(content: bytes) -> tuple[str, str]:
    """Decode CSV bytes as UTF-8 (with or without BOM), else GBK/GB18030; name the bad byte if neither."""
    try:
        return content.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        bad = content[exc.start : exc.end]
        row = content.count(b"\n", 0, exc.start) + 1
        line_start = content.rfind(b"\n", 0, exc.start) + 1
        column_index = content.count(b",", line_start, exc.start)
        header_line = content[: content.find(b"\n")] if b"\n" in content else content
        headers = next(csv.reader([header_line.decode("gb18030", errors="replace").lstrip("\ufeff")]), [])
        column = headers[column_index].strip() if row > 1 and column_index < len(headers) else None
        raise fail(
            text(
                gettext_noop(
                    "The file is neither UTF-8 nor GBK/GB18030 text: the bytes %(bytes)s cannot be read. "
                    "Save it from your spreadsheet program as “CSV UTF-8”."
                ),
                bytes=bad.hex(" ").upper(),
            ),
            row=row,
            column=column,
            value=bad.hex(" ").upper(),
        ) from None


def _table_from_records(
    headers: list[str], records: list[list[str]], rows: list[int], file_format: FileFormat, encoding: str = ""
) -> Table:
    """Trim cells, drop rows with nothing in them, and report records with more cells than headers."""
    problems: list[Problem] = []
    width = len(headers)
    fitted: list[list[str]] = []
    for row, record in zip(rows, records, strict=True):
        if len(record) > width:
            extra = [c for c in record[width:] if c not in ("", None)]
            if extra:
                problems.append(
                    Problem(
                        text(
                            gettext_noop("This row has %(cells)d cells but the header names %(columns)d columns."),
                            cells=len(record),
                            columns=width,
                        ),
                        row=row,
                        value=str(extra[0]),
                    )
                )
            record = record[:width]
        elif len(record) < width:
            record = list(record) + [""] * (width - len(record))
        fitted.append(record)
    frame = pd.DataFrame(fitted, columns=range(width), dtype=object) if fitted else pd.DataFrame(columns=range(width))
    for column in frame.columns:
        frame[column] = frame[column].fillna("").astype(str).str.strip()
    row_numbers = np.asarray(rows, dtype=np.int64)
    if len(frame) and width:
        keep = (frame != "").any(axis=1).to_numpy()
        frame = frame.loc[keep].reset_index(drop=True)
        row_numbers = row_numbers[keep]
    return Table(
        headers=headers,
        frame=frame,
        rows=row_numbers,
        unit=Unit.ROW,
        file_format=file_format,
        encoding=encoding,
        problems=problems,
    )


def read_csv(content: bytes) -> Table:
    """A CSV file, read record by record and refused as soon as it passes a limit."""
    decoded, encoding = decode_text(content)
    reader = csv.reader(io.StringIO(decoded, newline=""))
    try:
        header, records, numbers = bounded_records(
            reader, where=_("The CSV file"), limits=ImportLimits.current(), text=cell_text
        )
    except csv.Error as exc:
        raise fail(
            text(gettext_noop("The CSV cannot be read: %(reason)s"), reason=str(exc)), row=reader.line_num
        ) from None
    if header is None:
        raise fail(text(gettext_noop("The file is empty.")))
    headers = [h.strip().lstrip("\ufeff").strip() for h in header]
    # Spreadsheet rows: the header is row 1, the first record row 2 (rows count records, not lines).
    return _table_from_records(headers, records, numbers, FileFormat.CSV, encoding)


def read_xlsx(content: bytes) -> Table:
    """The first sheet of an XLSX workbook; formulas give their last computed value.

    The sheet is streamed (openpyxl read-only) and its declared dimension is
    ignored: a sheet may claim A1:XFD1048576 and hold three cells, and reading
    it padded to that size would exhaust memory.
    """
    limits = ImportLimits.current()
    archive = open_zip(
        content, not_a_zip=text(gettext_noop("The file is not a readable XLSX workbook (it is not a zip archive)."))
    )
    check_archive(archive.infolist(), limits)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except ZIP_DAMAGE as exc:
        raise damaged(exc) from None
    except (InvalidFileException, KeyError, OSError, ValueError, ParseError) as exc:
        raise fail(
            text(gettext_noop("The file is not a readable XLSX workbook (%(reason)s)."), reason=str(exc))
        ) from None
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        where = _("Sheet “%(sheet)s”") % {"sheet": sheet.title}
        with unpacking():
            rows = sheet.iter_rows(values_only=True)
            header, records, numbers = bounded_records(rows, where=where, limits=limits, text=cell_text)
    except (ParseError, ValueError, KeyError) as exc:
        raise fail(
            text(gettext_noop("The file is not a readable XLSX workbook (%(reason)s)."), reason=str(exc))
        ) from None
    finally:
        workbook.close()
    if header is None or not any(v not in (None, "") for v in header):
        raise fail(text(gettext_noop("The first sheet has no column names in row 1.")), row=1)
    headers = [cell_text(h) for h in header]
    # Trailing columns without a header and without values are common in exported sheets.
    while headers and headers[-1] == "" and not any(len(r) >= len(headers) and r[len(headers) - 1] for r in records):
        headers.pop()
    return _table_from_records(headers, records, numbers, FileFormat.XLSX)
