"""The PDF (WeasyPrint): A4 pages, a cover, page numbers, Chinese section titles and the figures as text.

Skips, saying why, when WeasyPrint, pypdf or a CJK font is missing on this machine (``.ci/run`` installs
Debian's fonts-noto-cjk; requirements pin weasyprint and, for the tests, pypdf).
"""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from reports import services
from reports.rendering import report_pdf
from tests.reports.conftest import OCTOBER

weasyprint = pytest.importorskip("weasyprint", reason="WeasyPrint is not installed: pip install -r requirements.txt")
pypdf = pytest.importorskip("pypdf", reason="pypdf is not installed: pip install -r requirements-dev.txt")


def _has_cjk_font() -> bool:
    if shutil.which("fc-list") is None:
        return False
    listing = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False).stdout
    return "Noto Sans CJK" in listing


pytestmark = pytest.mark.skipif(
    not _has_cjk_font(), reason="No Noto Sans CJK font: apt-get install -y fonts-noto-cjk (see .ci/run)"
)

A4_PT = (595.0, 842.0)


def pdf_text(content: bytes) -> tuple[int, str, tuple[float, float]]:
    reader = pypdf.PdfReader(io.BytesIO(content))
    box = reader.pages[0].mediabox
    text = "\n".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), text, (round(float(box.width)), round(float(box.height)))


@pytest.fixture
def issued_county(county, author):
    report = services.report_draft_create(actor=author, month=OCTOBER, station=None)
    services.report_countermeasures_save(actor=author, report=report, text="加强放学时段巡逻。\n\n<script>x</script>")
    version = services.report_issue(actor=author, report=report)
    return report, version


def test_pdf_in_chinese_has_a4_pages_titles_and_figures(issued_county):
    report, version = issued_county
    with translation.override("zh-hans"):
        pages, text, size = pdf_text(report_pdf(report, version))
    assert pages > 1
    assert size == tuple(round(v) for v in A4_PT)
    compact = text.replace(" ", "")
    for title in (
        "校园安全月度分析报告",
        "一、警情与处置",
        "二、一校一警覆盖",
        "三、护学岗勤务",
        "七、单位考核",
        "八、对策措施",
    ):
        assert title in compact, title
    assert "2026-10" in text and "66.7" in text  # the month; the county's liaison coverage and satisfaction
    assert "25.0/37.0" in compact  # acknowledgement P50 / P90 in minutes
    assert "North primary A" in text  # hot spots and the school chart name the school
    assert "加强放学时段巡逻" in compact and "<script>x</script>" in compact  # countermeasures, as text
    assert f"2/{pages}" in compact  # page numbers "n / total" (the cover has none)


def test_pdf_in_english(issued_county):
    report, version = issued_county
    with translation.override("en"):
        pages, text, _size = pdf_text(report_pdf(report, version))
    assert pages > 1 and "Monthly school safety analysis" in text and "Unit scorecards" in text


def test_pdf_download_is_audited(issued_county, leader):
    report, _version = issued_county
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(leader)
    response = client.get(reverse("reports:report-pdf", args=[report.pk]), {"version": "1"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith('monthly-report-2026-10-county-v1.pdf"')
    pages, text, _size = pdf_text(response.content)
    assert pages > 1 and "一、警情与处置" in text.replace(" ", "")
    from common.models import AuditLogEntry

    entry = AuditLogEntry.objects.filter(action="export.monthly_report").latest("id")
    assert (entry.actor, entry.after["format"], entry.after["outcome"]) == (leader, "pdf", "done")
