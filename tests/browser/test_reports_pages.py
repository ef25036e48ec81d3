"""The monthly report pages in headless Chromium: the list, a report, the countermeasures editor, the unit
targets and the print preview with its charts, at 390 px and 1366 px, in Chinese and English, as leadership
(reads issued versions) and as the analyst who writes them (``reports.access``). Each page fits its width,
nothing is refused, the charts are drawn, and a report goes from draft to v1 and, after a refresh, v2 by clicks,
with its PDF and XLSX links answering the right files."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from common.roles import Role
from reports import services
from reports.models import Report
from tests.browser.pages import fits
from tests.county import build_county
from tests.incidents.factories import IncidentFactory

PASSWORD = "reports-browser-2026"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# English words a Chinese page may show: formats, percentiles, and the version label.
LATIN_ALLOWED = {"PDF", "XLSX"}
WORDS = {
    "zh-hans": {"list": "月度报告", "map": "热点"},
    "en": {"list": "Monthly reports", "map": "Hot spots"},
}


def last_month() -> dt.date:
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


@pytest.fixture
def world(transactional_db):
    """Two stations with square jurisdictions, four schools, incidents of last month; last month's county report
    issued once (for leadership) and the analyst and the leader's accounts."""
    county = build_county(
        stations={
            "west": {"name": "城关派出所", "code": "RW1", "lat": 36.18, "lon": 118.17, "half_deg": 0.05},
            "east": {"name": "东城派出所", "code": "RE1", "lat": 36.18, "lon": 118.30, "half_deg": 0.05},
        },
        schools={
            "w1": {"name": "城关镇第一实验小学（北校区）", "lat": 36.19, "lon": 118.16},
            "w2": {"name": "城关中学", "lat": 36.15, "lon": 118.19},
            "e1": {"name": "东城小学", "lat": 36.20, "lon": 118.31},
            "e2": {"name": "东城第二中学", "lat": 36.16, "lon": 118.28},
        },
        users={
            "analyst": {
                "role": Role.BRIGADE_SCHEDULER,
                "username": "rep_analyst",
                "password": PASSWORD,
                "first_name": "王",
                "last_name": "分析",
            },
            "leader": {"role": Role.LEADERSHIP, "username": "rep_leader", "password": PASSWORD},
        },
    )
    month = last_month()
    for n, key in enumerate(("w1", "w1", "w1", "e1", "w2")):
        at = timezone.make_aware(dt.datetime.combine(month + dt.timedelta(days=n * 3), dt.time(7 + n, 30)))
        IncidentFactory(school=county.schools[key], created_at=at, occurred_at=at, category="traffic")
    analyst = county.users["analyst"]
    report = services.report_draft_create(actor=analyst, month=month, station=None)
    services.report_countermeasures_save(actor=analyst, report=report, text="# 重点\n\n- 加强放学时段巡逻")
    services.report_issue(actor=analyst, report=report)
    return {"report": report, "month": month, "county": county}


def latin_words(page) -> set[str]:
    """Words in Latin letters the page's content shows (not the menu and the account bar, which name the user
    and the other language), less the names of file formats."""
    text = page.evaluate("() => (document.querySelector('main') || document.body).innerText")
    return {w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in LATIN_ALLOWED}


def charts_drawn(page) -> list[str]:
    """The report's charts (inline SVG) that are not drawn with a size: empty when all are."""
    return page.evaluate(
        """() => [...document.querySelectorAll('svg.chart')]
            .filter(svg => { const r = svg.getBoundingClientRect(); return !(r.width > 0 && r.height > 0); })
            .map(svg => svg.id || svg.getAttribute('aria-labelledby'))"""
    )


def wrapped_cells(page) -> list[str]:
    """Short table cells (a month, a scope, a name, a time) broken over more than one line."""
    return page.evaluate(
        """() => [...document.querySelectorAll('table.grid td, table.grid th')].filter(cell => {
            const text = cell.innerText.trim();
            if (!text || text.length > 16) return false;
            const range = document.createRange();
            range.selectNodeContents(cell);
            return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1;
        }).map(cell => cell.innerText.trim())"""
    )


def open_as(signed_in, username: str, width: int, language: str):
    page = signed_in(username, PASSWORD, width=390 if width == 390 else 1280, language=language)
    if width != 390:
        page.set_viewport_size({"width": width, "height": 800})
    return page


def check_page(page, url: str, *, language: str, width: int, expected: str | None = None) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    if expected:
        assert expected in page.content(), url
    assert fits(page), f"{url} is wider than {width} px"
    assert wrapped_cells(page) == [], f"{url}: short cells broken over lines at {width} px"
    if language == "zh-hans":
        assert latin_words(page) == set(), f"{url} shows English under zh-hans"


@pytest.mark.parametrize("width", [390, 1366])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_report_pages_fit_for_leadership_and_the_analyst(signed_in, live_url, world, width, language):
    report = world["report"]
    words = WORDS[language]
    pages = {
        "list": f"{live_url}{reverse('reports:report-list')}",
        "detail": f"{live_url}{reverse('reports:report-detail', args=[report.pk])}",
        "preview": f"{live_url}{reverse('reports:report-preview', args=[report.pk])}",
        "targets": f"{live_url}{reverse('reports:target-list')}",
    }

    leader = open_as(signed_in, "rep_leader", width, language)
    check_page(leader, pages["list"], language=language, width=width, expected=words["list"])
    check_page(leader, pages["detail"], language=language, width=width)
    assert leader.locator("textarea[name=text]").count() == 0  # leadership reads, the analyst writes
    check_page(leader, pages["preview"], language=language, width=width, expected=words["map"])
    assert charts_drawn(leader) == [] and leader.locator("svg.chart").count() >= 5
    assert leader.locator("svg.chart .map-outline").count() == 1
    assert leader.locator("svg.chart .map-station").count() == 2
    assert leader.goto(pages["targets"]).status == 403
    assert leader.refusals == []

    analyst = open_as(signed_in, "rep_analyst", width, language)
    check_page(analyst, pages["list"], language=language, width=width, expected=words["list"])
    check_page(analyst, pages["detail"], language=language, width=width)
    editor = analyst.locator("textarea[name=text]")
    assert editor.is_visible() and editor.bounding_box()["width"] <= width
    check_page(analyst, pages["targets"], language=language, width=width)
    check_page(analyst, pages["preview"], language=language, width=width, expected=words["map"])
    assert charts_drawn(analyst) == []
    assert analyst.refusals == []


def _download(page, href: str):
    return page.context.request.get(href if href.startswith("http") else page.url.split("/reports/")[0] + href)


@pytest.mark.parametrize(("width", "language"), [(390, "zh-hans"), (1366, "en")])
def test_analyst_drafts_edits_issues_refreshes_and_issues_again_by_clicks(signed_in, live_url, world, width, language):
    page = open_as(signed_in, "rep_analyst", width, language)
    page.goto(f"{live_url}{reverse('reports:report-list')}")
    page.fill(".report-new input[name=month]", f"{world['month']:%Y-%m}")
    page.select_option(".report-new select[name=station]", str(world["county"].stations["west"].pk))
    page.click(".report-new button[type=submit]")
    page.wait_for_url(re.compile(r"/reports/\d+/$"))
    report = Report.objects.get(station=world["county"].stations["west"])
    assert page.locator(".issue-form").count() == 1 and fits(page)

    page.fill("textarea[name=text]", "# 重点\n\n- 城关中学放学时段增派警力")
    page.click(".countermeasures-form button[type=submit]")
    page.wait_for_load_state()
    assert page.input_value("textarea[name=text]") == "# 重点\n\n- 城关中学放学时段增派警力"
    page.click(".issue-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("table.grid tbody tr").count() == 1 and fits(page)

    page.click("form[action$='/refresh/'] button[type=submit]")
    page.wait_for_load_state()
    page.fill("textarea[name=text]", "第二版对策")
    page.click(".countermeasures-form button[type=submit]")
    page.wait_for_load_state()
    page.click(".issue-form button[type=submit]")
    page.wait_for_load_state()
    rows = page.locator("table.grid tbody tr")
    assert rows.count() == 2 and rows.first.inner_text().startswith("v2")
    assert list(report.versions.order_by("number").values_list("countermeasures", flat=True)) == [
        "# 重点\n\n- 城关中学放学时段增派警力",
        "第二版对策",
    ]

    for fmt, content_type, magic in (("PDF", "application/pdf", b"%PDF"), ("XLSX", XLSX, b"PK")):
        href = rows.first.locator(f"a:text-is('{fmt}')").get_attribute("href")
        assert href.endswith("?version=2")
        response = _download(page, href)
        assert response.status == 200, href
        assert response.headers["content-type"] == content_type
        assert response.body().startswith(magic)

    rows.first.locator("a").first.click()  # the preview of v2
    page.wait_for_load_state()
    assert "第二版对策" in page.content() and charts_drawn(page) == [] and fits(page)
    assert page.refusals == []
