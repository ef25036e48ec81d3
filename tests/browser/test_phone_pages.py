"""Every page a phone user opens, in headless Chromium at 390 px and 1366 px, in Chinese and English: the
page is never wider than the window (wide content scrolls in its own box), and nothing is refused.

An officer: my duties (one card per duty, a page at a time), today's duties with check-in, the duty board.
School safety staff: the report form, my school's reports, one report with its handling timeline and the
follow-up (回访) button in view. A scheduler: the roster week opens on this week, names never wrap a
character per line, and the printable sheet fits A4 landscape up to Friday.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from common.dates import monday_of
from common.roles import Role
from incidents.models import FollowUp, IncidentEvent
from patrol.models import DutyRole
from tests.browser.pages import fits
from tests.factories import GateFactory, OfficerFactory, SchoolFactory, StationFactory, make_user, square
from tests.incidents.factories import IncidentEventFactory, IncidentFactory
from tests.patrol.factories import DutyAssignmentFactory, DutyShiftFactory, DutyStaffFactory, PostFactory, TermFactory

PASSWORD = "phone-pages-2026"
WIDTHS = (390, 1366)
# A4 landscape less 8 mm margins each side (static/css/roster_sheet.css), in CSS pixels at 96 per inch.
A4_LANDSCAPE_PRINTABLE_PX = round((297 - 16) / 25.4 * 96)
WHOLE_NAMES = "[...document.querySelectorAll('.roster-grid .who')].every(e => e.getClientRects().length === 1)"
WORDS = {
    "zh-hans": {"duties": "我的勤务", "timeline": "处理经过", "follow_up": "回访"},
    "en": {"duties": "My duties", "timeline": "How it was handled", "follow_up": "follow-up"},
}


def _local(day: dt.date, hh: int, mm: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hh, mm)))


@pytest.fixture
def world(transactional_db):
    """A term around today at three schools of 城关派出所 (long names, two windows a day, a police officer
    and a guard at each), 欧阳建国 (an officer with a login) on duty every school day for six weeks, and a
    resolved report by the first school's staff with its whole handling on record."""
    today = timezone.localdate()
    station = StationFactory(name="城关派出所", lat=36.18, lon=118.17, jurisdiction=square(36.18, 118.17, 0.2))
    schools = [
        SchoolFactory(name=f"城关镇第{n}实验小学（北校区）", lat=36.18 + n * 0.01, lon=118.17) for n in (1, 2, 3)
    ]
    term = TermFactory(school_year="2026-2027", start_date=today - dt.timedelta(days=35),
                       end_date=today + dt.timedelta(days=70))  # fmt: skip
    officer = OfficerFactory(station=station, name="欧阳建国")
    officer_user = make_user(Role.STATION_OFFICER, officer=officer, username="phoneofficer", password=PASSWORD)
    me = DutyStaffFactory(name="欧阳建国", role=DutyRole.POLICE, station=station, user=officer_user, officer=officer,
                          phone="13900000001")  # fmt: skip
    colleagues = [DutyStaffFactory(name=f"司马警员{n}", role=DutyRole.POLICE, station=station) for n in range(4)]
    for n, school in enumerate(schools):
        guard = DutyStaffFactory(name=f"诸葛门卫{n}", role=DutyRole.GUARD, station=None, school=school,
                                 phone="13800000000")  # fmt: skip
        post = PostFactory(gate=GateFactory(school=school, name="正门（东侧人行道）", lat=school.lat, lon=school.lon),
                           name="十字路口", requirements={"police": 1, "guard": 1})  # fmt: skip
        for offset in range(-3, 42):
            day = today + dt.timedelta(days=offset)
            if day.weekday() >= 5 or (n and abs(offset) > 7):
                continue  # the other schools only around today: enough for the week grid
            for kind, (h1, m1), (h2, m2) in (("arrival", (7, 20), (8, 0)), ("dismissal", (16, 10), (16, 45))):
                shift = DutyShiftFactory(term=term, post=post, date=day, kind=kind, start=_local(day, h1, m1),
                                         end=_local(day, h2, m2), requirements={"police": 1, "guard": 1})  # fmt: skip
                DutyAssignmentFactory(shift=shift, staff=me if n == 0 else colleagues[n], role="police",
                                      published=True)  # fmt: skip
                DutyAssignmentFactory(shift=shift, staff=guard, role="guard", published=offset < 7)

    staff_user = make_user(Role.SCHOOL_STAFF, school=schools[0], username="phonestaff", password=PASSWORD)
    now = timezone.now()
    incident = IncidentFactory(
        school=schools[0], reporter=staff_user, reporter_name="王老师", status="resolved",
        created_at=now - dt.timedelta(hours=5), acknowledged_at=now - dt.timedelta(hours=4),
        resolved_at=now - dt.timedelta(hours=1),
        description="放学时一名男子在校门口长时间拍摄学生，劝离后又返回。" * 3,
    )  # fmt: skip
    steps = [
        (IncidentEvent.Kind.REPORTED, "", "王老师", 5.0),
        (IncidentEvent.Kind.ROUTED, "派往城关派出所，联络员欧阳建国", "system", 4.9),
        (IncidentEvent.Kind.STATUS, "", "欧阳建国", 4.0),
        (IncidentEvent.Kind.COMMENT, "已到现场，男子已离开，调取监控中。", "欧阳建国", 3.0),
        (IncidentEvent.Kind.ESCALATED, "超时未到场，升级至巡特警大队", "system", 2.5),
        (IncidentEvent.Kind.STATUS, "", "欧阳建国", 1.0),
    ]
    for kind, text, by, hours in steps:
        to_status = {4.0: "acknowledged", 1.0: "resolved"}.get(hours, "")
        IncidentEventFactory(incident=incident, kind=kind, text=text, actor_name=by,
                             to_status=to_status, at=now - dt.timedelta(hours=hours))  # fmt: skip
    FollowUp.objects.create(incident=incident, due_at=now + dt.timedelta(days=2))
    make_user(Role.BRIGADE_SCHEDULER, username="phonesched", password=PASSWORD)
    return {"today": today, "term": term, "incident": incident, "schools": schools, "station": station}


def _open(signed_in, username: str, width: int, language: str):
    page = signed_in(username, PASSWORD, 390 if width == 390 else 1280, language)
    if width not in (390, 1280):
        page.set_viewport_size({"width": width, "height": 768})
    return page


def _fits_everywhere(page, url: str, what: str) -> None:
    page.goto(url)
    assert fits(page), f"{what} scrolls sideways at {page.viewport_size['width']} px"
    assert not page.refusals, (what, page.refusals)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_officers_pages_fit_a_phone_and_a_desktop(signed_in, live_url, world, language):
    for width in WIDTHS:
        page = _open(signed_in, "phoneofficer", width, language)
        mine = live_url + reverse("patrol:roster-mine")
        _fits_everywhere(page, mine, "my duties")
        assert WORDS[language]["duties"] in page.inner_text("h1")
        assert page.locator(".duty-item").count() == 20  # a page at a time
        page.click(".pager a[rel=next]")
        assert page.locator(".duty-item").count() >= 1 and fits(page)
        _fits_everywhere(page, live_url + reverse("patrol:duty-today"), "today's duties")
        _fits_everywhere(page, live_url + reverse("patrol:duty-board"), "the duty board")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_school_staff_pages_fit_and_the_follow_up_button_is_in_view(signed_in, live_url, world, language):
    incident = world["incident"]
    for width in WIDTHS:
        page = _open(signed_in, "phonestaff", width, language)
        _fits_everywhere(page, live_url + reverse("incidents:report-new"), "the report form")
        _fits_everywhere(page, live_url + reverse("incidents:report-mine"), "my school's reports")
        _fits_everywhere(page, live_url + reverse("incidents:report-done", args=[incident.pk]), "the report")
        assert WORDS[language]["timeline"] in page.inner_text("main")
        timeline = page.inner_text("#report-timeline")
        assert "派往城关派出所" in timeline and "调取监控" in timeline and "巡特警大队" in timeline
        assert page.locator("#report-timeline li").count() == 7  # six steps and the follow-up still due
        button = page.locator("#follow-up-button")
        assert button.is_visible() and WORDS[language]["follow_up"] in button.inner_text()
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
        with page.expect_navigation():
            button.click()
        assert fits(page) and page.locator("form.card button[type=submit]").is_visible()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_roster_week_opens_on_this_week_with_whole_names(signed_in, live_url, world, language):
    monday = monday_of(world["today"])
    for width in WIDTHS:
        page = _open(signed_in, "phonesched", width, language)
        page.goto(live_url + reverse("patrol:roster-term", kwargs={"term_id": world["term"].pk}))
        assert page.locator("select[name=week]").input_value() == monday.isoformat()
        page.goto(live_url + reverse("patrol:roster-week", kwargs={"term_id": world["term"].pk}))
        assert monday.isoformat() in page.inner_text("#roster-title") and fits(page)
        assert not page.refusals, page.refusals
        names = page.locator(".roster-grid .who")
        assert names.count() > 0
        # A name on one line: an inline box that wrapped has more than one client rectangle.
        assert page.evaluate(WHOLE_NAMES)


def test_the_printable_sheet_fits_a4_landscape_up_to_friday(signed_in, live_url, world):
    page = signed_in("phonesched", PASSWORD, 1280, "zh-hans")
    page.set_viewport_size({"width": A4_LANDSCAPE_PRINTABLE_PX, "height": 700})
    page.emulate_media(media="print")
    monday = monday_of(world["today"])
    url = reverse("patrol:roster-sheet", kwargs={"term_id": world["term"].pk})
    page.goto(f"{live_url}{url}?week={monday.isoformat()}&station={world['station'].pk}")
    days = page.locator(".roster-grid thead tr:first-child th[colspan]")
    assert days.count() == 5  # Monday to Friday
    friday = days.nth(4).bounding_box()
    table = page.locator(".roster-grid").bounding_box()
    assert friday["x"] + friday["width"] <= A4_LANDSCAPE_PRINTABLE_PX + 1
    assert table["x"] + table["width"] <= A4_LANDSCAPE_PRINTABLE_PX + 1
    assert page.locator(".roster-grid tbody tr").count() == 3
