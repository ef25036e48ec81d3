"""The pages of roster counts, unknown holiday years, uncovered-place explanations and the shift picker, in
headless Chromium at 390 px and 1280 px, in Chinese and English: each fits its width (wide tables scroll
in their own box), shows what it is for, and nothing is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from common.roles import Role
from patrol.models import DutyRole, Roster
from tests.browser.pages import fits
from tests.factories import GateFactory, SchoolFactory, StationFactory, make_user
from tests.patrol.factories import (
    DutyAssignmentFactory,
    DutyShiftFactory,
    DutyStaffFactory,
    LeaveFactory,
    PostFactory,
    TermFactory,
    local,
)

PASSWORD = "roster-counts-2026"
NEW_YEAR = dt.date(2027, 1, 1)
WORDS = {
    "zh-hans": {"warning": "2027 年的节假日安排未知", "cause": "人员休假或另有勤务", "picker": "本周勤务"},
    "en": {"warning": "The holiday calendar of 2027 is not known", "cause": "People on leave or another duty",
           "picker": "Duties this week"},
}  # fmt: skip


@pytest.fixture
def world(transactional_db):
    station = StationFactory(name="城关派出所", lat=36.18, lon=118.17)
    school = SchoolFactory(name="城关镇第一实验小学（北校区）", lat=36.18, lon=118.17)
    school.responsible_station = station
    school.save(update_fields=["responsible_station"])
    term = TermFactory(school_year="2026-2027", start_date=dt.date(2026, 12, 1), end_date=dt.date(2027, 1, 22))
    post = PostFactory(gate=GateFactory(school=school, lat=36.18, lon=118.17), requirements={"police": 2})
    shift = DutyShiftFactory(
        term=term, post=post, date=NEW_YEAR, start=local(NEW_YEAR, 7, 20), end=local(NEW_YEAR, 8, 0)
    )
    people = [DutyStaffFactory(name=f"司马警员{n}", role=DutyRole.POLICE, station=station) for n in range(6)]
    DutyAssignmentFactory(shift=shift, staff=people[0])
    LeaveFactory(staff=people[1], start=local(NEW_YEAR, 0), end=local(NEW_YEAR + dt.timedelta(days=3), 0))
    leave = [{"id": p.id, "name": p.name, "from": "2027-01-01", "to": "2027-01-03"} for p in people[1:5]]
    Roster.objects.create(
        term=term,
        generated_at=local(dt.date(2026, 12, 1), 9),
        report={
            "engine": "greedy",
            "status": "greedy",
            "from_date": "2026-12-01",
            "counted_from": "2026-12-01",
            "solve_time_s": 0.1,
            "coverage": {"filled": 1, "required": 2},
            "uncovered_count": 1,
            "uncovered": [
                {
                    "shift_id": shift.id,
                    "school": school.name,
                    "school_id": school.id,
                    "gate": shift.post.gate.name,
                    "post": shift.post.name,
                    "date": NEW_YEAR.isoformat(),
                    "kind": "arrival",
                    "window": "07:20–08:00",
                    "role": "police",
                    "count": 1,
                    "reason": "all_busy",
                    "cause": "leave",
                    "params": {"station_id": station.id, "qualified": 6, "people": {"leave": leave}},
                }
            ],
            "released": [],
            "load": {},
            "pieces": {"count": 1},
            "liaison": {"duties": 0, "at_own_school": 0},
            "continuity": {"eligible": 0, "same_person": 0},
            "changes": {"removed": 0, "previous": 0},
            "weights": {},
            "objective": {"values": {}},
        },
    )
    make_user(Role.BRIGADE_SCHEDULER, username="countsbrowser", password=PASSWORD)
    return {"term": term, "shift": shift}


@pytest.mark.parametrize("width", (390, 1280))
@pytest.mark.parametrize("language", ("zh-hans", "en"))
def test_roster_counts_pages_fit_and_say_what_they_are_for(signed_in, live_url, world, width, language):
    page = signed_in("countsbrowser", PASSWORD, width=width, language=language)
    words = WORDS[language]
    term = world["term"]
    for url, expected in (
        (reverse("patrol:roster-home"), words["warning"]),
        (reverse("patrol:roster-term", args=[term.pk]), words["warning"]),
        (reverse("patrol:generate-term", kwargs={"pk": term.pk}), words["cause"]),
        (reverse("patrol:roster-shift", args=[world["shift"].pk]), words["picker"]),
        (reverse("campus:calendar_year_schedule"), words["warning"]),
    ):
        page.goto(f"{live_url}{url}")
        assert expected in page.content(), url
        assert fits(page), f"{url} is wider than {width} px"
    assert page.refusals == []
