"""Spreadsheet downloads: a workbook's bytes, the HTTP response that carries them, and the one rule
that keeps exported text from running as a formula (XLSX and CSV alike).

Exports write through ``XlsxBook``, a write-only workbook: rows go to the file as they are appended,
so time and memory stay linear in the rows, and nothing is ever looked up by row number. The
formula rule is applied on the way in (``xlsx_bytes`` applies it to an ordinary workbook at the end;
a write-only one cannot be revisited)."""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterable
from copy import copy
from typing import Any, BinaryIO

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Past this size a saved workbook goes to a temporary file and is streamed (``XlsxBook.content``).
XLSX_IN_MEMORY_MAX_BYTES = 1024 * 1024

# OWASP "CSV injection": a spreadsheet may evaluate text that starts with one of these.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def looks_like_formula(value: Any) -> bool:
    """True for text a spreadsheet could evaluate: it starts with = + - @, tab or CR.

    Numbers are never formulas, nor is text that is a plain number ("-31.2", "+86"): a spreadsheet
    reads those as the number they are, so coordinates and signed values stay usable.
    """
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(value)


def csv_cell(value: Any) -> Any:
    """``value`` ready for ``csv.writer``: formula-like text gets a leading apostrophe, which Excel and
    WPS show as text and never evaluate; everything else is returned unchanged."""
    return "'" + value if looks_like_formula(value) else value


def neutralize_formulas(workbook) -> None:
    """Store every formula-like string cell of ``workbook`` as plain text.

    The text is kept as written (readable, searchable); the cell becomes a string cell (openpyxl
    otherwise writes any string starting with "=" as a formula) with Excel's quotePrefix, so editing
    the cell later keeps it text too. Numbers, dates and non-str values (openpyxl formula objects)
    are left alone. Not for write-only workbooks, whose cells cannot be revisited.
    """
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if looks_like_formula(cell.value):
                    cell.data_type = "s"
                    cell.quotePrefix = True


def xlsx_bytes(workbook) -> bytes:
    """An openpyxl ``Workbook`` saved to bytes, with no formula coming from the data it holds.

    For ordinary (not write-only) workbooks; exports use ``XlsxBook``, which applies the same rule as
    rows are appended. Either way, names, descriptions and notes written by users or imported from
    files can never run as formulas in the reader's spreadsheet.
    """
    neutralize_formulas(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """``content`` as a download named ``filename``."""
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


_BOLD = Font(bold=True)


class XlsxSheet:
    """One sheet of an ``XlsxBook``. Rows are final once appended: set widths and formats up front."""

    def __init__(self, book: XlsxBook, worksheet, formats: dict[int, str]) -> None:
        self._book = book
        self._sheet = worksheet
        self._formats = formats
        # One style per combination in use, registered with the workbook once: setting a font, fill or
        # format on every cell hashes the style objects each time, which cost more than writing the cell.
        self._styles: dict[tuple, StyleArray] = {}
        self._fills: list[PatternFill | None] = []

    def _style(self, formula: bool, bold: bool, fill: PatternFill | None, number_format: str | None) -> StyleArray:
        key = (formula, bold, id(fill) if fill is not None else None, number_format)  # a fill's hash is slow
        style = self._styles.get(key)
        if style is None:
            template = WriteOnlyCell(self._sheet)
            if formula:
                template.quotePrefix = True
            if bold:
                template.font = _BOLD
            if fill is not None:
                template.fill = fill
            if number_format:
                template.number_format = number_format
            style = self._styles[key] = template._style
            self._fills.append(fill)  # keeps the id in the key from being reused by another fill
        return style

    def _cell(self, value: Any, index: int, *, bold: bool, fill: PatternFill | None) -> Any:
        formula = looks_like_formula(value)
        number_format = self._formats.get(index) if value is not None else None
        if not (formula or bold or fill or number_format):
            return value  # a bare value costs openpyxl far less than a styled cell
        cell = WriteOnlyCell(self._sheet)
        cell._style = copy(self._style(formula, bold, fill, number_format))
        cell.value = value
        if formula:
            cell.data_type = "s"
        return cell

    def header(self, values: list[Any]) -> None:
        """A bold row that is not data (not counted as an exported row)."""
        self._sheet.append([self._cell(v, i, bold=True, fill=None) for i, v in enumerate(values)])

    def note(self, values: list[Any]) -> None:
        """A plain row that is not data (a title, the period): not counted."""
        self._sheet.append([self._cell(v, i, bold=False, fill=None) for i, v in enumerate(values)])

    def append(self, values: list[Any], *, fill: PatternFill | None = None, bold_first: bool = False) -> None:
        """One data row; counted on the book's token, which may stop the export here (``ExportCancelled``)."""
        self._sheet.append([self._cell(v, i, bold=bold_first and i == 0, fill=fill) for i, v in enumerate(values)])
        if self._book.token is not None:
            self._book.token.count()


class XlsxBook:
    """A write-only workbook for one export.

    ``token``: the export's cancel token (``common.exports.ExportToken``, or anything with ``count()``);
    every data row appended is counted on it, and it raises when the export was cancelled.
    """

    def __init__(self, token=None) -> None:
        self.workbook = Workbook(write_only=True)
        self.token = token

    def sheet(
        self,
        title: str,
        header: list[Any] | None = None,
        *,
        widths: list[float] | tuple[float, ...] = (),
        formats: dict[int, str] | None = None,
        freeze: bool = False,
    ) -> XlsxSheet:
        """A new sheet with its column widths, per-column number formats (0-based index), and header.

        ``freeze`` keeps the first row in view (only meaningful with a header).
        """
        worksheet = self.workbook.create_sheet(str(title)[:31])
        for index, width in enumerate(widths, start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = width
        if freeze:
            worksheet.freeze_panes = "A2"
        page = XlsxSheet(self, worksheet, formats or {})
        if header is not None:
            page.header(header)
        return page

    def content(self) -> bytes | BinaryIO:
        """The saved workbook: its bytes when it is small, else an open temporary file at its start.

        A workbook past ``XLSX_IN_MEMORY_MAX_BYTES`` is written to disk and streamed from there
        (``common.exports`` sends it with ``FileResponse``, which closes and so deletes it), so a
        whole term's roster never sits in memory twice, as the zip and as the response.
        """
        spool = tempfile.SpooledTemporaryFile(max_size=XLSX_IN_MEMORY_MAX_BYTES)  # noqa: SIM115 - returned open
        try:
            self.workbook.save(spool)
            if spool.tell() <= XLSX_IN_MEMORY_MAX_BYTES:  # still in memory: the spool rolls over past it
                spool.seek(0)
                content = spool.read()
                spool.close()
                return content
            spool.seek(0)
            return spool
        except BaseException:
            spool.close()
            raise


class CsvFile:
    """A CSV download written row by row into a spool: in memory while small, on disk past
    ``XLSX_IN_MEMORY_MAX_BYTES`` (and then streamed, as ``XlsxBook.content`` does), so a long audit log
    never sits in memory as a string and again as the response.

    UTF-8 with a BOM, so spreadsheet programs read the Chinese text as UTF-8; every cell through
    ``csv_cell``; every data row counted on ``token`` (``common.exports.ExportToken``), which raises when
    the export was cancelled.
    """

    def __init__(self, header: Iterable[Any], token=None) -> None:
        self.token = token
        self._spool = tempfile.SpooledTemporaryFile(max_size=XLSX_IN_MEMORY_MAX_BYTES)  # noqa: SIM115 - returned open
        self._text = io.TextIOWrapper(self._spool, encoding="utf-8", newline="")
        self._text.write("\ufeff")
        self._writer = csv.writer(self._text)
        self._writer.writerow([csv_cell(value) for value in header])

    def row(self, values: Iterable[Any]) -> None:
        self._writer.writerow([csv_cell(value) for value in values])
        if self.token is not None:
            self.token.count()

    def content(self) -> bytes | BinaryIO:
        """The file: its bytes when it is small, else the open temporary file at its start."""
        try:
            self._text.flush()
            spool = self._text.detach()  # the spool stays open: the response closes (and so deletes) it
            size = spool.tell()
            spool.seek(0)
            if size <= XLSX_IN_MEMORY_MAX_BYTES:
                content = spool.read()
                spool.close()
                return content
            return spool
        except BaseException:
            self._spool.close()
            raise
