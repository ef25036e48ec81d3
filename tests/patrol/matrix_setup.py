"""Permission-matrix rows for the 护学岗 set-up pages and API (``patrol.schedule``; see ``tests.patrol.matrix``)."""

from __future__ import annotations

import datetime as dt

from campus.models import CalendarOverride, SchoolClosure
from patrol.models import BellSchedule, BellTime, DutyRole, Leave, WindowRule
from tests.factories import GateFactory
from tests.patrol.factories import DutyStaffFactory, PostFactory, TermFactory, local
from tests.permission_case import Case

PAGE = "302 200 200 200 200 403 200"  # VIEW_DUTY
PAGE_MANAGE = "302 200 200 403 403 403 403"  # MANAGE_DUTY, GET
ACT = "302 302 302 403 403 403 403"  # MANAGE_DUTY, POST then redirect
API = "401 200 200 200 200 403 200"
API_CREATE = "401 201 201 403 403 403 403"
API_WRITE = "401 200 200 403 403 403 403"
API_DELETE = "401 204 204 403 403 403 403"


def _pk(key):
    return lambda w: {"pk": w[key].pk}


BELLS = [{"kind": "arrival", "time": "07:50"}, {"kind": "dismissal", "time": "16:30"}]

CASES: list[Case] = [
    Case("patrol:schedule-home", PAGE),
    Case(
        "patrol:schedule-term-create",
        ACT,
        method="post",
        data=lambda w: {"school_year": "2027-2028", "name": "T", "start_date": "2027-09-01", "end_date": "2028-01-20"},
    ),
    Case("patrol:schedule-term", PAGE, kwargs=_pk("sched_term")),
    Case(
        "patrol:schedule-term-update",
        ACT,
        method="post",
        kwargs=_pk("sched_term"),
        data=lambda w: {"school_year": "2025-2026", "name": "M", "start_date": "2025-09-01", "end_date": "2025-10-30"},
    ),
    Case("patrol:schedule-term-build", ACT, method="post", kwargs=_pk("sched_term")),
    Case(
        "patrol:schedule-override-create",
        ACT,
        method="post",
        data=lambda w: {"date": "2026-09-12", "kind": "workday", "note": "m"},
    ),
    Case("patrol:schedule-override-delete", ACT, method="post", kwargs=_pk("sched_override")),
    # A year's holiday notice (campus.calendar.year_schedule): a bad notice re-renders with its row errors.
    Case("campus:calendar_year_schedule", PAGE_MANAGE),
    Case(
        "campus:calendar_year_schedule",
        "302 200 200 403 403 403 403",
        method="post",
        label="bad notice",
        data=lambda w: {"year": "2027", "schedule": "2027-01-01 sometimes"},
    ),
    Case(
        "patrol:schedule-closure-create",
        ACT,
        method="post",
        data=lambda w: {
            "school": w["school_a"].pk,
            "kind": "exam",
            "start_date": "2026-11-02",
            "end_date": "2026-11-03",
        },
    ),
    Case(
        "patrol:schedule-window-rule-save",
        ACT,
        method="post",
        data=lambda w: {"kind": "arrival", "before_min": "25", "after_min": "10", "school": w["school_a"].pk},
    ),
    Case("patrol:schedule-window-rule-delete", ACT, method="post", kwargs=_pk("sched_rule")),
    Case("patrol:schedule-schools", PAGE),
    Case("patrol:schedule-school", PAGE, kwargs=_pk("school_a"), label="own school"),
    Case("patrol:schedule-school", "302 200 200 200 404 403 200", kwargs=_pk("school_b"), label="other school"),
    Case(
        "patrol:schedule-bells-save",
        ACT,
        method="post",
        kwargs=_pk("school_a"),
        data=lambda w: {"name": "Sat", "weekdays": ["5"], "kind": ["arrival"], "time": ["08:00"], "grades": [""]},
    ),
    Case("patrol:schedule-bells-delete", ACT, method="post", kwargs=_pk("sched_bells")),
    Case(
        "patrol:schedule-post-save",
        ACT,
        method="post",
        kwargs=_pk("school_a"),
        data=lambda w: {
            "new-gate": w["sched_post"].gate_id,
            "new-name": "P2",
            "new-police": "1",
            "new-auxiliary": "0",
            "new-guard": "0",
            "new-volunteer": "0",
            "new-checkin_radius_m": "150",
            "new-active": "on",
        },
    ),  # fmt: skip
    Case("patrol:schedule-staff", PAGE),
    Case("patrol:schedule-staff-create", PAGE_MANAGE),
    Case(
        "patrol:schedule-staff-create",
        ACT,
        method="post",
        label="save",
        data=lambda w: {"role": "guard", "name": "G2", "school": w["school_a"].pk, "active": "on"},
    ),
    Case("patrol:schedule-staff-detail", PAGE, kwargs=_pk("sched_guard")),
    Case(
        "patrol:schedule-staff-detail",
        ACT,
        method="post",
        label="save",
        kwargs=_pk("sched_guard"),
        data=lambda w: {"role": "guard", "name": "G1b", "school": w["school_a"].pk, "active": "on"},
    ),
    Case(
        "patrol:schedule-leave-create",
        ACT,
        method="post",
        kwargs=_pk("sched_guard"),
        data=lambda w: {"kind": "leave", "start": "2026-10-12 08:00", "end": "2026-10-13 18:00"},
    ),
    Case("patrol:schedule-leave-delete", ACT, method="post", kwargs=_pk("sched_leave")),
    # API
    Case("patrol_api:schedule-term-list", API),
    Case(
        "patrol_api:schedule-term-list",
        API_CREATE,
        method="post",
        json=True,
        label="create",
        data=lambda w: {"school_year": "2027-2028", "name": "T", "start_date": "2027-09-01", "end_date": "2028-01-20"},
    ),
    Case("patrol_api:schedule-term-detail", API, kwargs=_pk("sched_term")),
    Case(
        "patrol_api:schedule-term-detail",
        API_WRITE,
        method="patch",
        json=True,
        label="update",
        kwargs=_pk("sched_term"),
        data=lambda w: {"name": "Renamed"},
    ),
    Case("patrol_api:schedule-term-calendar", API, kwargs=_pk("sched_term")),
    Case("patrol_api:schedule-term-build-shifts", API_WRITE, method="post", json=True, kwargs=_pk("sched_term")),
    Case("patrol_api:schedule-override-list", API),
    Case(
        "patrol_api:schedule-override-list",
        API_CREATE,
        method="post",
        json=True,
        label="create",
        data=lambda w: {"date": "2026-09-12", "kind": "workday"},
    ),
    Case("patrol_api:schedule-override-detail", API, kwargs=_pk("sched_override")),
    Case(
        "patrol_api:schedule-override-detail", API_DELETE, method="delete", kwargs=_pk("sched_override"), label="delete"
    ),
    Case("patrol_api:schedule-closure-list", API),
    Case(
        "patrol_api:schedule-closure-list",
        API_CREATE,
        method="post",
        json=True,
        label="create",
        data=lambda w: {"school": w["school_a"].pk, "start_date": "2026-11-02", "end_date": "2026-11-03"},
    ),
    Case("patrol_api:schedule-bells-list", API),
    Case(
        "patrol_api:schedule-bells-list",
        API_CREATE,
        method="post",
        json=True,
        label="create",
        data=lambda w: {"school": w["school_a"].pk, "name": "Sat", "weekdays": [5], "bells": BELLS},
    ),
    Case("patrol_api:schedule-bells-detail", API, kwargs=_pk("sched_bells")),
    Case("patrol_api:schedule-window-rule-list", API),
    Case(
        "patrol_api:schedule-window-rule-list",
        API_CREATE,
        method="post",
        json=True,
        label="create",
        data=lambda w: {"kind": "dismissal", "school": w["school_a"].pk, "before_min": 25, "after_min": 15},
    ),
    Case("patrol_api:schedule-post-list", API),
    Case(
        "patrol_api:schedule-post-list",
        API_CREATE,
        method="post",
        json=True,
        label="create",
        data=lambda w: {"gate": w["sched_post"].gate_id, "name": "P2"},
    ),
    Case("patrol_api:schedule-post-detail", API, kwargs=_pk("sched_post")),
    Case(
        "patrol_api:schedule-post-detail",
        API_WRITE,
        method="patch",
        json=True,
        label="update",
        kwargs=_pk("sched_post"),
        data=lambda w: {"requirements": {"police": 1, "guard": 1}},
    ),
    Case("patrol_api:schedule-staff-list", API),
    Case(
        "patrol_api:schedule-staff-list",
        API_CREATE,
        method="post",
        json=True,
        label="create",
        data=lambda w: {"role": "police", "name": "P9", "station": w["station"].pk},
    ),
    Case("patrol_api:schedule-staff-detail", API, kwargs=_pk("sched_guard")),
    Case(
        "patrol_api:schedule-staff-detail",
        API_WRITE,
        method="patch",
        json=True,
        label="update",
        kwargs=_pk("sched_guard"),
        data=lambda w: {"phone": "123"},
    ),
    Case("patrol_api:schedule-leave-list", API),
    Case(
        "patrol_api:schedule-leave-list",
        API_CREATE,
        method="post",
        json=True,
        label="create",
        data=lambda w: {
            "staff": w["sched_guard"].pk,
            "start": "2026-10-12T08:00:00+08:00",
            "end": "2026-10-13T08:00:00+08:00",
        },
    ),
    Case("patrol_api:schedule-leave-detail", API_DELETE, method="delete", kwargs=_pk("sched_leave")),
]


def build(world: dict) -> dict:
    school_a = world["school_a"]
    # Another school year than the other parts' matrix terms, so the terms never overlap.
    term = TermFactory(
        school_year="2025-2026", name="Setup matrix term", start_date=dt.date(2025, 9, 1), end_date=dt.date(2025, 9, 30)
    )
    gate = GateFactory(school=school_a, is_main=True)
    post = PostFactory(gate=gate, requirements={"police": 1})
    schedule = BellSchedule.objects.create(school=school_a, name="Mon-Fri", weekdays=[0, 1, 2, 3, 4])
    BellTime.objects.create(schedule=schedule, kind="arrival", time=dt.time(7, 50))
    BellTime.objects.create(schedule=schedule, kind="dismissal", time=dt.time(16, 30))
    guard = DutyStaffFactory(role=DutyRole.GUARD, station=None, school=school_a, name="G1")
    SchoolClosure.objects.create(school=school_a, start_date=dt.date(2026, 9, 21), end_date=dt.date(2026, 9, 21))
    return {
        "sched_term": term,
        "sched_post": post,
        "sched_bells": schedule,
        "sched_guard": guard,
        "sched_override": CalendarOverride.objects.create(date=dt.date(2026, 9, 19), kind="workday"),
        "sched_rule": WindowRule.objects.create(kind="noon_arrival", school=school_a, before_min=15, after_min=10),
        "sched_leave": Leave.objects.create(
            staff=guard, start=local(dt.date(2026, 9, 8), 0), end=local(dt.date(2026, 9, 9), 0)
        ),
    }
