"""The roster week page in headless Chromium, on a phone (390 px) and a desktop (1280 px), in Chinese and
English: it opens on a station's week, a school chosen from the picker shows that school alone, the day
links show one day and step day by day, and the next-station link moves on. No policy violation, no
sideways scrolling of the page (the grid scrolls in its own box)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from patrol.models import DutyRole
from tests.browser.pages import fits
from tests.factories import GateFactory, SchoolFactory, StationFactory, square
from tests.patrol.factories import (
    DutyAssignmentFactory,
    DutyShiftFactory,
    DutyStaffFactory,
    PostFactory,
    TermFactory,
    local,
)

MONDAY = dt.date(2030, 9, 2)
WORDS = {
    "zh-hans": {"week": "周", "day": "周二", "next_day": "后一天", "shifts": "个班次"},
    "en": {"week": "Week of", "day": "Tue", "next_day": "next day", "shifts": "shifts on this page"},
}


@pytest.fixture
def roster(county):
    """``county``'s station (three schools) with a week of arrival and dismissal shifts at each school's
    main gate, a police officer on most, and a second station with one school."""
    term = TermFactory(school_year="2030-2031", start_date=MONDAY, end_date=dt.date(2031, 1, 17))
    station = county["station"]
    officers = [DutyStaffFactory(name=f"警员{n}", role=DutyRole.POLICE, station=station) for n in range(3)]
    schools = [county["covered"], county["school1"], county["school2"]]
    far = StationFactory(name="远山派出所", lat=37.0, lon=119.0, jurisdiction=square(37.0, 119.0, 0.1))
    far_school = SchoolFactory(name="远山小学", lat=37.0, lon=119.0)
    far_police = DutyStaffFactory(name="赵远", role=DutyRole.POLICE, station=far)
    for n, school in enumerate([*schools, far_school]):
        post = PostFactory(gate=GateFactory(school=school, name="正门", lat=school.lat, lon=school.lon),
                           name="路口", requirements={"police": 1})  # fmt: skip
        for day in (MONDAY + dt.timedelta(days=d) for d in range(5)):
            for kind, (h1, m1), (h2, m2) in (("arrival", (7, 20), (8, 0)), ("dismissal", (16, 10), (16, 45))):
                shift = DutyShiftFactory(term=term, post=post, date=day, kind=kind, start=local(day, h1, m1),
                                         end=local(day, h2, m2), requirements={"police": 1})  # fmt: skip
                if day.weekday() < 4:  # Fridays stay uncovered
                    staff = far_police if school == far_school else officers[n]
                    DutyAssignmentFactory(shift=shift, staff=staff, role="police")
    return {"term": term, "schools": schools, "far": far, "far_school": far_school}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("width", [390, 1280])
def test_the_week_pages_by_station_school_and_day(signed_in, live_url, county, roster, width, language, tmp_path):
    words = WORDS[language]
    page = signed_in("sched", "pw-sched-1", width, language)
    url = live_url + reverse("patrol:roster-week", kwargs={"term_id": roster["term"].pk})
    page.goto(f"{url}?week={MONDAY.isoformat()}")
    assert words["week"] in page.inner_text("#roster-title") and fits(page)
    grid = page.inner_text(".roster-grid tbody")
    assert all(school.name in grid for school in roster["schools"]) and "远山小学" not in grid
    assert page.locator(".roster-grid tbody tr").count() == 3
    assert page.locator(".roster-grid td.uncovered").count() == 6  # Friday's two windows at three schools
    assert words["shifts"] in page.inner_text("main") and "30" in page.inner_text("main")
    page.screenshot(path=str(tmp_path / f"week-{language}-{width}.png"), full_page=True)

    # A school from the picker: that school alone.
    with page.expect_navigation():
        page.select_option("#roster-school", str(roster["schools"][1].pk))
    assert page.locator(".roster-grid tbody tr").count() == 1
    assert roster["schools"][1].name in page.inner_text(".roster-grid tbody") and fits(page)

    # Tuesday: one day, two windows; then the next day.
    page.click(".roster-days a >> nth=1")
    assert words["day"] in page.inner_text("#roster-title") and fits(page)
    assert page.locator(".roster-grid thead tr:nth-child(2) th").count() == 2
    page.click("#roster-next")
    page.wait_for_url(f"**{(MONDAY + dt.timedelta(days=2)).isoformat()}**")
    page.wait_for_load_state()  # measure the new page, not the one being left
    assert fits(page)

    # Back to the station's week, then on to the next station.
    page.goto(f"{url}?week={MONDAY.isoformat()}")
    page.click("#roster-next-station")
    assert "远山小学" in page.inner_text(".roster-grid tbody") and "赵远" in page.inner_text(".roster-grid tbody")
    assert county["covered"].name not in page.inner_text(".roster-grid tbody") and fits(page)
    assert page.refusals == []
