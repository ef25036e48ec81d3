"""Coverage statistics on a small fixture: numbers per school, station, week; the XLSX export."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from common.roles import Role
from patrol.duty.services import duty_check_in, guard_patrol_record
from patrol.duty.stats import current_week, duty_stats
from patrol.models import DutyRole
from tests.factories import make_user
from tests.patrol.factories import DutyAssignmentFactory, DutyShiftFactory, DutyStaffFactory, PostFactory, local
from tests.patrol.test_duty_helpers import DAY, GATE_LAT, GATE_LON, build_day, dismissal_shift

pytestmark = pytest.mark.django_db

TUESDAY = DAY + dt.timedelta(days=1)
NEXT_MONDAY = DAY + dt.timedelta(days=7)


@pytest.fixture
def fixture():
    """Monday: post A (1 police) checked in on time; post B (police 1 + auxiliary 1, one police assigned, no
    check-in); a dismissal shift with a guard, patrol recorded. Tuesday: post A, checked in late.
    Next Monday: post A, not yet begun at the report time."""
    day = build_day()
    duty_check_in(assignment=day.assignment, actor=day.user, lat=GATE_LAT, lon=GATE_LON, at=local(DAY, 7, 15))
    post_b = PostFactory(gate=day.gate, requirements={"police": 1, "auxiliary": 1})
    shift_b = DutyShiftFactory(term=day.term, post=post_b, date=DAY, start=local(DAY, 7, 20), end=local(DAY, 8, 0))
    DutyAssignmentFactory(shift=shift_b, staff=DutyStaffFactory(station=day.station), role=DutyRole.POLICE)
    staff_user = make_user(Role.SCHOOL_STAFF, school=day.school, username="staff_a")
    dismissal, _guard = dismissal_shift(day)
    guard_patrol_record(
        shift=dismissal, actor=staff_user, started_at=local(DAY, 15, 50), equipment=["steel_fork"], area_cleared=True
    )
    tuesday = DutyShiftFactory(
        term=day.term, post=day.post, date=TUESDAY, start=local(TUESDAY, 7, 20), end=local(TUESDAY, 8, 0)
    )
    late = DutyAssignmentFactory(shift=tuesday, staff=day.staff, role=DutyRole.POLICE)
    duty_check_in(assignment=late, actor=day.user, lat=GATE_LAT, lon=GATE_LON, at=local(TUESDAY, 7, 40))
    future = DutyShiftFactory(
        term=day.term, post=day.post, date=NEXT_MONDAY, start=local(NEXT_MONDAY, 7, 20), end=local(NEXT_MONDAY, 8, 0)
    )
    DutyAssignmentFactory(shift=future, staff=day.staff, role=DutyRole.POLICE)
    return day


def test_current_week_runs_monday_to_sunday():
    assert current_week(dt.date(2026, 9, 10)) == (dt.date(2026, 9, 7), dt.date(2026, 9, 13))


def test_stats_numbers(fixture):
    viewer = make_user(Role.BRIGADE_SCHEDULER, username="viewer")
    report = duty_stats(user=viewer, start=DAY, end=NEXT_MONDAY, term=fixture.term, now=local(NEXT_MONDAY, 7, 0))
    t = report.total
    assert (t.shifts, t.required, t.assigned, t.covered) == (5, 6, 5, 5)
    assert (t.checked_in, t.on_time, t.late, t.missing) == (2, 1, 1, 2)  # post B's police and the guard
    assert (t.patrols_due, t.patrols_recorded) == (1, 1)
    assert t.coverage_pct == pytest.approx(83.3) and t.checkin_pct == 50.0
    assert [w.key for w in report.weeks] == ["2026-09-07", "2026-09-14"]
    first, second = report.weeks
    assert (first.shifts, first.missing, second.shifts, second.missing) == (4, 2, 1, 0)
    assert second.label.startswith("2026-W38")
    assert [s.label for s in report.stations] == [fixture.station.name]
    assert [s.label for s in report.schools] == [fixture.school.name]


def test_stats_range_and_school_scope(fixture):
    viewer = make_user(Role.BRIGADE_SCHEDULER, username="viewer")
    monday_only = duty_stats(user=viewer, start=DAY, end=DAY, now=local(NEXT_MONDAY, 7, 0))
    assert monday_only.total.shifts == 3 and monday_only.total.late == 0
    staff_b = make_user(Role.SCHOOL_STAFF, school=fixture.other_school, username="staff_b")
    assert duty_stats(user=staff_b, start=DAY, end=NEXT_MONDAY, now=local(NEXT_MONDAY, 7, 0)).total.shifts == 0


def test_stats_page_api_and_xlsx(client, fixture):
    client.force_login(make_user(Role.LEADERSHIP, username="leader1"))
    query = f"start={DAY}&end={NEXT_MONDAY}&term={fixture.term.pk}"
    data = client.get(f"/api/patrol/stats/?{query}").json()
    assert data["total"]["shifts"] == 5 and data["total"]["required"] == 6
    assert data["start"] == "2026-09-07" and data["term"]["id"] == fixture.term.pk
    page = client.get(f"/patrol/duty/stats/?{query}", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "By station" in page.content.decode()
    response = client.get(f"/patrol/duty/stats/?{query}&type=xlsx", HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames[:3] == ["By school", "By station", "By week"]
    rows = list(wb["By school"].iter_rows(values_only=True))
    assert rows[0][:3] == ("School", "Shifts", "Required slots")
    assert rows[1][0] == fixture.school.name and rows[1][1] == 5


def test_stats_api_refuses_a_range_ending_before_it_starts(client, fixture):
    client.force_login(make_user(Role.LEADERSHIP, username="leader2"))
    response = client.get(f"/api/patrol/stats/?start={TUESDAY}&end={DAY}")
    assert response.status_code == 400 and "before it starts" in response.json()["detail"]
