"""Bell schedules, window rules and duty windows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from common.roles import Role
from patrol.models import BellSchedule, BellTime, WindowRule
from patrol.schedule import services
from patrol.schedule.services.checks import ScheduleError
from patrol.schedule.windows import duty_windows
from tests.factories import SchoolFactory, make_user
from tests.patrol.factories import local

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 9, 7)


@pytest.fixture
def scheduler():
    return make_user(Role.BRIGADE_SCHEDULER)


@pytest.fixture
def school():
    return SchoolFactory()


PRIMARY = [
    {"kind": "arrival", "time": "07:50"},
    {"kind": "noon_dismissal", "time": "11:40"},
    {"kind": "noon_arrival", "time": "13:50"},
    {"kind": "dismissal", "time": "16:30", "grades": "1-3"},
    {"kind": "dismissal", "time": "17:10", "grades": "4-6"},
]


def test_default_window_rules_come_from_the_data_migration():
    rules = {r.kind: (r.before_min, r.after_min) for r in WindowRule.objects.filter(school__isnull=True)}
    assert rules == {"arrival": (30, 10), "dismissal": (20, 15), "noon_dismissal": (10, 15), "noon_arrival": (20, 10)}


def test_windows_from_bells_and_rules(school, scheduler):
    services.bell_schedule_save(school=school, name="Mon-Fri", weekdays=[0, 1, 2, 3, 4], bells=PRIMARY, actor=scheduler)
    windows = duty_windows(school=school, day=MONDAY)
    assert windows == [
        ("arrival", local(MONDAY, 7, 20), local(MONDAY, 8, 0)),
        ("noon_dismissal", local(MONDAY, 11, 30), local(MONDAY, 11, 55)),
        ("noon_arrival", local(MONDAY, 13, 30), local(MONDAY, 14, 0)),
        ("dismissal", local(MONDAY, 16, 10), local(MONDAY, 16, 45)),
        ("dismissal", local(MONDAY, 16, 50), local(MONDAY, 17, 25)),
    ]
    assert duty_windows(school=school, day=MONDAY + dt.timedelta(days=5)) == []  # Saturday: no schedule


def test_overlapping_staggered_dismissals_merge(school, scheduler):
    bells = [
        {"kind": "arrival", "time": "08:00"},
        {"kind": "dismissal", "time": "16:30", "grades": "1-3"},
        {"kind": "dismissal", "time": "16:45", "grades": "4-6"},
    ]
    services.bell_schedule_save(school=school, name="Mon-Fri", weekdays=[0, 1, 2, 3, 4], bells=bells, actor=scheduler)
    assert duty_windows(school=school, day=MONDAY)[-1] == ("dismissal", local(MONDAY, 16, 10), local(MONDAY, 17, 0))


def test_school_rule_overrides_the_county_default(school, scheduler):
    services.bell_schedule_save(school=school, name="Mon-Fri", weekdays=[0, 1, 2, 3, 4], bells=PRIMARY[:1],
                                actor=scheduler)  # fmt: skip
    services.window_rule_save(kind="arrival", school=school, before_min=45, after_min=5, actor=scheduler)
    assert duty_windows(school=school, day=MONDAY) == [("arrival", local(MONDAY, 7, 5), local(MONDAY, 7, 55))]


def test_bells_out_of_order_are_refused_naming_the_rows(school, scheduler):
    bells = [{"kind": "arrival", "time": "08:00"}, {"kind": "dismissal", "time": "07:30"}]
    with pytest.raises(ScheduleError) as exc:
        services.bell_schedule_save(school=school, name="Mon-Fri", weekdays=[0], bells=bells, actor=scheduler)
    assert exc.value.message == (
        "Bell times out of order: row 1 (Arrival 08:00) must come before row 2 (Dismissal 07:30)."
    )
    assert not BellSchedule.objects.exists() and not BellTime.objects.exists()


def test_failed_save_leaves_the_old_bells(school, scheduler):
    schedule = services.bell_schedule_save(school=school, name="Mon-Fri", weekdays=[0], bells=PRIMARY, actor=scheduler)
    bad = [{"kind": "noon_arrival", "time": "11:00"}, {"kind": "noon_dismissal", "time": "11:40"}]
    with pytest.raises(ScheduleError, match=r"row 2 \(Noon dismissal 11:40\) must come before row 1"):
        services.bell_schedule_save(school=school, name="Mon-Fri", weekdays=[0], bells=bad, actor=scheduler)
    assert schedule.bells.count() == 5


def test_window_crossing_midnight_is_refused(school, scheduler):
    bells = [{"kind": "arrival", "time": "00:10"}, {"kind": "dismissal", "time": "23:50"}]
    with pytest.raises(ScheduleError) as exc:
        services.bell_schedule_save(school=school, name="Night", weekdays=[0], bells=bells, actor=scheduler)
    assert exc.value.details == [
        "Row 1 (Arrival 00:10): its duty window (30 min before to 10 min after) crosses midnight.",
        "Row 2 (Dismissal 23:50): its duty window (20 min before to 15 min after) crosses midnight.",
    ]
    assert not BellSchedule.objects.exists()


def test_rule_change_that_would_cross_midnight_is_refused(school, scheduler):
    services.bell_schedule_save(school=school, name="Mon-Fri", weekdays=[0], bells=[{"kind": "arrival",
                                "time": "01:00"}], actor=scheduler)  # fmt: skip
    with pytest.raises(ScheduleError, match="the Arrival bell at 01:00 would get a window crossing midnight"):
        services.window_rule_save(kind="arrival", before_min=90, after_min=10, actor=scheduler)
    assert WindowRule.objects.get(kind="arrival", school=None).before_min == 30


def test_bad_rows_weekdays_and_stagger_labels(school, scheduler):
    services.bell_schedule_save(school=school, name="Mon-Thu", weekdays=[0, 1, 2, 3], bells=PRIMARY, actor=scheduler)
    bells = [
        {"kind": "arrival", "time": "25:00"},
        {"kind": "", "time": "08:00"},
        {"kind": "dismissal", "time": "16:00"},
        {"kind": "dismissal", "time": "16:40"},
    ]
    with pytest.raises(ScheduleError) as exc:
        services.bell_schedule_save(school=school, name="Fri", weekdays=[3, 4, 7], bells=bells, actor=scheduler)
    assert exc.value.details == [
        "Weekday 7 does not exist: use 0 (Monday) to 6 (Sunday).",
        "Thu already belong to the bell schedule Mon-Thu of this school.",
        "Row 1 (Arrival 25:00): the time is not a time of day (use HH:MM).",
        "Row 2 (no kind 08:00): choose a kind of bell.",
        "row 3 (Dismissal 16:00): staggered dismissal bells need the grades they release.",
        "row 4 (Dismissal 16:40): staggered dismissal bells need the grades they release.",
    ]
    assert BellSchedule.objects.count() == 1


def test_bell_page_reports_the_error(client, school, scheduler):
    client.force_login(scheduler)
    response = client.post(
        reverse("patrol:schedule-bells-save", kwargs={"pk": school.pk}),
        {
            "name": "Mon-Fri",
            "weekdays": ["0"],
            "kind": ["arrival", "dismissal", ""],
            "time": ["08:00", "07:00", ""],
            "grades": ["", "", ""],
        },  # fmt: skip
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "must come before row 2 (Dismissal 07:00)" in response.content.decode()
    assert not BellSchedule.objects.exists()


def test_bell_api_replaces_by_name(client, school, scheduler):
    client.force_login(scheduler)
    url = reverse("patrol_api:schedule-bells-list")
    body = {"school": school.pk, "name": "Mon-Fri", "weekdays": [0, 1, 2, 3, 4], "bells": PRIMARY}
    assert client.post(url, body, content_type="application/json").status_code == 201
    body["bells"] = PRIMARY[:1] + PRIMARY[3:4]
    data = client.post(url, body, content_type="application/json").json()
    assert data["bells"] == [{"kind": "arrival", "time": "07:50", "grades": ""},
                             {"kind": "dismissal", "time": "16:30", "grades": "1-3"}]  # fmt: skip
    assert BellSchedule.objects.count() == 1
