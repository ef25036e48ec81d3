"""Large exports are built in a temporary file and streamed (``FileResponse``); small ones stay one
response. The roster export reads plain values, so its queries do not grow with the shifts."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import urllib.request

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from common.exports import ExportFileResponse
from common.models import AuditLogEntry
from common.xlsx import XlsxBook
from patrol.models import DutyShift
from patrol.roster.exports import roster_xlsx
from tests.asgi_server import run_asgi_server
from tests.patrol.factories import DutyAssignmentFactory, DutyShiftFactory, local
from tests.patrol.test_roster_edits import rw  # noqa: F401 - the fixture


def _book(rows: int) -> XlsxBook:
    book = XlsxBook()
    sheet = book.sheet("Rows", ["n", "text"])
    for n in range(rows):
        sheet.append([n, f"row {n} " + "x" * 40])
    return book


def test_a_small_workbook_is_bytes():
    content = _book(3).content()
    assert isinstance(content, bytes)
    assert load_workbook(io.BytesIO(content)).active["B2"].value.startswith("row 0")


def test_a_workbook_past_the_memory_limit_is_an_open_temporary_file(monkeypatch):
    monkeypatch.setattr("common.xlsx.XLSX_IN_MEMORY_MAX_BYTES", 2048)
    content = _book(500).content()
    try:
        assert not isinstance(content, bytes) and content.tell() == 0
        sheet = load_workbook(content).active
        assert sheet.max_row == 501 and sheet["A501"].value == 499
    finally:
        content.close()


def _export(client, w):
    client.force_login(w["users"]["scheduler"])
    return client.get(reverse("patrol:roster-export", kwargs={"term_id": w["term"].pk}) + "?type=xlsx")


def test_a_large_roster_export_streams_from_a_file_and_is_audited_once(client, rw, monkeypatch):  # noqa: F811
    monkeypatch.setattr("common.xlsx.XLSX_IN_MEMORY_MAX_BYTES", 1024)
    DutyAssignmentFactory(shift=rw["shift_a"], staff=rw["li"], role="police", published=True)
    response = _export(client, rw)
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"].startswith('attachment; filename="roster-2030-2031-term')
    content = b"".join(response.streaming_content)
    book = load_workbook(io.BytesIO(content))
    assert [row[9] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)] == ["Li Wei"]
    entry = AuditLogEntry.objects.get(action="export.roster")
    assert entry.after["outcome"] == "done" and entry.after["rows"] >= 1


def test_a_small_roster_export_is_one_response(client, rw):  # noqa: F811
    response = _export(client, rw)
    assert response.status_code == 200 and not response.streaming
    assert load_workbook(io.BytesIO(response.content)).worksheets[0]["A1"].value


def test_an_unknown_export_type_is_refused_with_its_name(client, rw):  # noqa: F811
    client.force_login(rw["users"]["scheduler"])
    response = client.get(reverse("patrol:roster-export", kwargs={"term_id": rw["term"].pk}) + "?type=pdf")
    assert response.status_code == 400 and "pdf" in response.content.decode()
    assert not AuditLogEntry.objects.filter(action="export.roster").exists()


def _queries_for_export(w) -> int:
    with CaptureQueriesContext(connection) as queries:
        roster_xlsx(term=w["term"], shifts=DutyShift.objects.all())
    return len(queries)


def test_the_roster_export_queries_do_not_grow_with_its_shifts(rw):  # noqa: F811
    few = _queries_for_export(rw)
    day = rw["term"].start_date
    for n in range(40):
        date = day + dt.timedelta(days=7 * (n // 5) + n % 5 + 14)
        shift = DutyShiftFactory(term=rw["term"], post=rw["shift_a"].post, date=date, start=local(date, 7, 20),
                                 end=local(date, 8, 0))  # fmt: skip
        DutyAssignmentFactory(shift=shift, staff=rw["li"], role="police")
    assert _queries_for_export(rw) == few


@pytest.mark.parametrize("value", ["=1+2", "@SUM(A1)", "-cmd"])
def test_streamed_text_that_looks_like_a_formula_stays_text(monkeypatch, value):
    monkeypatch.setattr("common.xlsx.XLSX_IN_MEMORY_MAX_BYTES", 1024)
    book = XlsxBook()
    sheet = book.sheet("Rows", ["text"])
    for _n in range(200):
        sheet.append([value])
    content = book.content()
    try:
        cell = load_workbook(content).active["A2"]
    finally:
        content.close()
    assert cell.value == value and cell.data_type == "s"


def test_an_asgi_server_reads_a_streamed_export_a_block_at_a_time():
    """Django's ASGI handler reads responses with ``async for``: each block comes as it is read, never
    the whole file at once (a plain ``FileResponse`` is read into a list there first)."""
    data = bytes(range(256)) * 800  # 200 KiB
    handle = io.BytesIO(data)
    response = ExportFileResponse(handle, content_type="application/octet-stream")

    async def read() -> list[bytes]:
        return [block async for block in response]

    blocks = asyncio.run(read())
    handle.close()
    assert b"".join(blocks) == data and max(len(b) for b in blocks) == ExportFileResponse.block_size
    assert len(blocks) == 4


@pytest.mark.django_db(transaction=True)
def test_over_the_asgi_server_a_large_roster_export_arrives_whole(client, rw, monkeypatch):  # noqa: F811
    """End to end under uvicorn, as in production: the streamed file arrives whole and opens as the
    roster, and the attempt is audited once."""
    monkeypatch.setattr("common.xlsx.XLSX_IN_MEMORY_MAX_BYTES", 1024)
    DutyAssignmentFactory(shift=rw["shift_a"], staff=rw["li"], role="police", published=True)
    client.force_login(rw["users"]["scheduler"])
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    path = reverse("patrol:roster-export", kwargs={"term_id": rw["term"].pk}) + "?type=xlsx"
    with run_asgi_server() as url:
        request = urllib.request.Request(url + path, headers={"Cookie": cookie})
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
            content = response.read()
    rows = list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(min_row=2, values_only=True))
    assert [row[9] for row in rows] == ["Li Wei"]
    assert AuditLogEntry.objects.get(action="export.roster").after["outcome"] == "done"
