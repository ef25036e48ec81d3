"""Spreadsheet downloads: a workbook's bytes, the HTTP response that carries them, and the one rule
that keeps exported text from running as a formula (XLSX and CSV alike)."""

from __future__ import annotations

import io
import re
from typing import Any

from django.http import HttpResponse

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

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

    Every export goes through here, so exported names, descriptions and notes written by users or
    imported from files can never run as formulas in the reader's spreadsheet.
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
