"""Permission-matrix rows for roster generation (see ``tests.patrol.matrix``)."""

from __future__ import annotations

import datetime as dt

from tests.permission_case import Case


def _term(w):
    return {"pk": w["generate_term"].pk}


CASES: list = [
    Case("patrol:generate-term", "302 200 200 200 200 403 200", kwargs=_term),
    Case(
        "patrol:generate-term",
        "302 302 302 403 403 403 403",
        method="post",
        kwargs=_term,
        data=lambda w: {"time_limit_s": "2"},
    ),
    Case("patrol_api:generate-term", "401 200 200 200 200 403 200", kwargs=_term),
    Case(
        "patrol_api:generate-term",
        "401 200 200 403 403 403 403",
        method="post",
        json=True,
        kwargs=_term,
        data=lambda w: {"time_limit_s": 2},
    ),
]


def build(world: dict) -> dict:
    from patrol.models import DutyRole
    from tests.factories import GateFactory
    from tests.patrol.factories import DutyShiftFactory, DutyStaffFactory, PostFactory, TermFactory

    term = TermFactory(name="Generate matrix term")
    post = PostFactory(gate=GateFactory(school=world["school_a"]), requirements={"police": 1})
    DutyShiftFactory(term=term, post=post, date=dt.date(2026, 9, 7))
    DutyStaffFactory(role=DutyRole.POLICE, station=world["school_a"].responsible_station or world["station"])
    return {"generate_term": term}
