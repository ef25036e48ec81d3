"""Permission-matrix rows for the duty day (``patrol.duty``): my duties, check-in/out, patrol, board, stats.

The officer user stands a post at school_a that began five minutes ago (so check-in succeeds whatever
the hour) and is checked in to another; a guard stands the dismissal post at school_a.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from common.roles import Role
from patrol.models import CheckIn, DutyRole, WindowKind
from tests.factories import GateFactory
from tests.patrol.factories import (
    DutyAssignmentFactory,
    DutyShiftFactory,
    DutyStaffFactory,
    PostFactory,
    TermFactory,
)
from tests.permission_case import Case

PAGE_STAND = "302 302 302 302 302 403 403"  # STAND_DUTY; the service refuses others' duties with a message
PAGE_VIEW = "302 200 200 200 200 403 200"
API_VIEW = "401 200 200 200 200 403 200"
API_OWN = "401 403 403 200 403 403 403"  # only the officer owns the duty


def _at_gate(w):
    return {"lat": 36.18, "lon": 118.17, "accuracy_m": 12}


CASES: list = [
    Case("patrol:duty-today", "302 200 200 200 200 403 403"),
    Case("patrol:duty-check-in", PAGE_STAND, method="post", kwargs=lambda w: {"pk": w["day_open"].pk}, data=_at_gate),
    Case(
        "patrol:duty-check-in",
        "302 302 302 302 404 403 403",
        method="post",
        label="other school",
        kwargs=lambda w: {"pk": w["day_other_school"].pk},
        data=_at_gate,
    ),
    Case("patrol:duty-check-out", PAGE_STAND, method="post", kwargs=lambda w: {"pk": w["day_in"].pk}, data=_at_gate),
    Case(
        "patrol:duty-patrol",
        PAGE_STAND,
        method="post",
        kwargs=lambda w: {"pk": w["day_dismissal"].pk},
        data=lambda w: {"started_at": w["day_patrol_time"], "equipment": ["steel_fork"], "area_cleared": "on"},
    ),
    Case("patrol:duty-board", PAGE_VIEW),
    Case("patrol:duty-stats", PAGE_VIEW),
    Case("patrol_api:duty-board", API_VIEW),
    Case("patrol_api:duty-stats", API_VIEW),
    Case(
        "patrol_api:duty-check-in",
        API_OWN,
        method="post",
        json=True,
        kwargs=lambda w: {"pk": w["day_open"].pk},
        data=_at_gate,
    ),  # fmt: skip
    Case(
        "patrol_api:duty-check-out",
        API_OWN,
        method="post",
        json=True,
        kwargs=lambda w: {"pk": w["day_in"].pk},
        data=_at_gate,
    ),  # fmt: skip
]


def build(world: dict) -> dict:
    now = timezone.now()
    today = timezone.localdate(now)
    term = TermFactory(start_date=today - dt.timedelta(days=30), end_date=today + dt.timedelta(days=30))
    gate = GateFactory(school=world["school_a"], lat=36.18, lon=118.17)
    gate_b = GateFactory(school=world["school_b"], lat=36.19, lon=118.18)
    officer_user = world["users"][Role.STATION_OFFICER]
    me = DutyStaffFactory(role=DutyRole.POLICE, station=world["station"], user=officer_user)
    guard = DutyStaffFactory(role=DutyRole.GUARD, station=None, school=world["school_a"])

    def shift(post, start: dt.datetime, minutes: int = 60, kind=WindowKind.ARRIVAL):
        return DutyShiftFactory(
            term=term, post=post, date=timezone.localdate(start), kind=kind, start=start,
            end=start + dt.timedelta(minutes=minutes),
        )  # fmt: skip

    post_1 = PostFactory(gate=gate, requirements={"police": 1})
    post_2 = PostFactory(gate=gate, requirements={"police": 1, "guard": 1})
    post_b = PostFactory(gate=gate_b, requirements={"police": 1})
    open_shift = shift(post_1, now - dt.timedelta(minutes=5))
    day_open = DutyAssignmentFactory(shift=open_shift, staff=me, role=DutyRole.POLICE)
    in_shift = shift(post_2, now - dt.timedelta(minutes=30), kind=WindowKind.NOON_ARRIVAL)
    day_in = DutyAssignmentFactory(shift=in_shift, staff=me, role=DutyRole.POLICE)
    CheckIn.objects.create(
        assignment=day_in,
        checked_in_at=now - dt.timedelta(minutes=29),
        in_lat=36.18,
        in_lon=118.17,
        checked_in_by=officer_user,
    )
    dismissal = shift(post_2, now - dt.timedelta(minutes=10), kind=WindowKind.DISMISSAL)
    DutyAssignmentFactory(shift=dismissal, staff=guard, role=DutyRole.GUARD)
    other = DutyAssignmentFactory(shift=shift(post_b, now - dt.timedelta(minutes=5)), role=DutyRole.POLICE)
    return {
        "day_open": day_open,
        "day_in": day_in,
        "day_dismissal": dismissal,
        "day_patrol_time": timezone.localtime(dismissal.start).strftime("%H:%M"),
        "day_other_school": other,
    }
