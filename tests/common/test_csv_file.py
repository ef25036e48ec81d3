"""CSV downloads (common.xlsx.CsvFile): a BOM, formula-like text kept as text, rows counted on the export's
token, small files as bytes and large ones as a temporary file streamed from disk (the audit log's export
through the real view)."""

from __future__ import annotations

import csv
import io

import pytest

from common.exports import ExportCancelled, ExportToken
from common.models import AuditLogEntry
from common.roles import Role
from common.xlsx import CsvFile
from tests.factories import make_user


def _rows(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff"), "a BOM, so spreadsheet programs read UTF-8"
    return list(csv.reader(io.StringIO(text[1:])))


def test_a_small_file_is_bytes_with_formulas_kept_as_text():
    token = ExportToken()
    out = CsvFile(["名称", "value"], token)
    out.row(["学校（样例）", "=1+2"])
    out.row(["b", "@SUM(A1)"])
    content = out.content()
    assert isinstance(content, bytes)
    assert _rows(content) == [["名称", "value"], ["学校（样例）", "'=1+2"], ["b", "'@SUM(A1)"]]
    assert token.rows == 2


def test_a_file_past_the_memory_limit_is_an_open_temporary_file(monkeypatch):
    monkeypatch.setattr("common.xlsx.XLSX_IN_MEMORY_MAX_BYTES", 2048)
    out = CsvFile(["n", "text"])
    for n in range(500):
        out.row([n, "路口护学岗（样例）"])
    content = out.content()
    try:
        assert not isinstance(content, bytes) and content.tell() == 0
        rows = _rows(content.read())
        assert len(rows) == 501 and rows[-1] == ["499", "路口护学岗（样例）"]
    finally:
        content.close()


def test_a_cancelled_export_stops_writing():
    token = ExportToken()
    out = CsvFile(["n"], token)
    token.cancel()
    with pytest.raises(ExportCancelled):
        for n in range(100_000):
            out.row([n])
    assert token.rows < 100_000


@pytest.mark.django_db
def test_the_audit_log_csv_streams_when_large_and_is_audited_once(client, monkeypatch):
    monkeypatch.setattr("common.xlsx.XLSX_IN_MEMORY_MAX_BYTES", 1024)
    admin = make_user(Role.BUREAU_ADMIN, username="admin1")
    client.force_login(admin)
    from common.audit import audit_record

    for n in range(60):
        audit_record(actor=admin, action="school.update", object_type="school", object_repr=f"=HYPERLINK({n})")
    response = client.get("/audit/?export=csv")
    assert response.status_code == 200 and response.streaming
    rows = _rows(b"".join(response.streaming_content))
    assert len(rows) >= 61 and any(r and "'=HYPERLINK(0)" in r for r in rows)
    (entry,) = AuditLogEntry.objects.filter(action="export.audit_log")
    assert entry.after["outcome"] == "done" and entry.after["rows"] >= 60


@pytest.mark.django_db
def test_the_audit_export_names_the_system_in_the_readers_language(client):
    from common.audit import audit_record
    from common.roles import SYSTEM

    client.force_login(make_user(Role.BUREAU_ADMIN, username="admin2"))
    audit_record(actor=SYSTEM, action="drone.create", object_type="drone", object_repr="巡逻一号（样例）")
    rows = _rows(client.get("/audit/?export=csv", HTTP_ACCEPT_LANGUAGE="zh-hans").content)
    assert any(r[1] == "系统" and "巡逻一号（样例）" in r for r in rows[1:]), rows
