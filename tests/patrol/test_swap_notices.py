"""Swap requests reach the people they concern (issue 15): the person asked, or the brigade deciding for
them; then the person who asked, whatever the answer; the person asked again when the request is withdrawn."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from common.errors import NotAllowed
from common.roles import Role
from notices.models import Notice
from notices.render import notice_title
from patrol.models import DutyRole, SwapRequest
from patrol.roster import services
from tests.factories import GateFactory, OfficerFactory, SchoolFactory, StationFactory, make_user, square
from tests.patrol.factories import DutyAssignmentFactory, DutyShiftFactory, DutyStaffFactory, PostFactory, TermFactory

pytestmark = pytest.mark.django_db

KIND = "swap_request"


@pytest.fixture
def world():
    """Hope Primary's crossing with a duty next week and one in two hours; Li and Zhang (both with logins),
    Chen (a guard without one), and a brigade scheduler."""
    station = StationFactory(jurisdiction=square(36.18, 118.17, 0.2))
    school = SchoolFactory(name="Hope Primary", lat=36.18, lon=118.17)
    today = timezone.localdate()
    term = TermFactory(
        school_year="2099", start_date=today - dt.timedelta(days=30), end_date=today + dt.timedelta(days=60)
    )
    post = PostFactory(gate=GateFactory(school=school, name="North gate", lat=36.18, lon=118.17), name="Crossing",
                       requirements={"police": 1, "guard": 1})  # fmt: skip
    next_week = today + dt.timedelta(days=7)
    start = timezone.localtime().replace(second=0, microsecond=0) + dt.timedelta(hours=2)
    officers = {"li": OfficerFactory(station=station), "zhang": OfficerFactory(station=station)}
    users = {
        "scheduler": make_user(Role.BRIGADE_SCHEDULER),
        "li": make_user(Role.STATION_OFFICER, officer=officers["li"], username="li"),
        "zhang": make_user(Role.STATION_OFFICER, officer=officers["zhang"], username="zhang"),
        "staff": make_user(Role.SCHOOL_STAFF, school=school),
    }
    li = DutyStaffFactory(name="Li Wei", role=DutyRole.POLICE, station=station, user=users["li"],
                          officer=officers["li"])  # fmt: skip
    zhang = DutyStaffFactory(name="Zhang Min", role=DutyRole.POLICE, station=station, user=users["zhang"],
                             officer=officers["zhang"])  # fmt: skip
    guard = DutyStaffFactory(name="Wang Fang", role=DutyRole.GUARD, station=None, school=school, user=users["staff"])
    chen = DutyStaffFactory(name="Chen Jing", role=DutyRole.GUARD, station=None, school=school)
    later = DutyShiftFactory(term=term, post=post, date=next_week)
    soon = DutyShiftFactory(term=term, post=post, date=start.date(), start=start, end=start + dt.timedelta(minutes=40))
    return {"users": users, "li": li, "zhang": zhang, "guard": guard, "chen": chen, "later": later, "soon": soon}


def _notices(user) -> list[Notice]:
    return list(Notice.objects.filter(user=user, kind=KIND).order_by("id"))


def test_the_person_asked_is_told_and_the_asker_hears_the_answer(world):
    users = world["users"]
    duty = DutyAssignmentFactory(shift=world["later"], staff=world["li"], role="police", published=True)
    swap = services.swap_request_create(assignment=duty, to_staff=world["zhang"], actor=users["li"])

    (asked,) = _notices(users["zhang"])
    assert asked.params["requester"] == "Li Wei" and asked.params["school"] == "Hope Primary"
    assert asked.params["date"] == world["later"].date.isoformat()
    assert asked.url == "/patrol/roster/swaps/" and not asked.urgent
    with translation.override("en"):
        assert notice_title(asked).startswith("Li Wei asks you to take their duty on ")
    with translation.override("zh-hans"):
        assert "Li Wei" in notice_title(asked) and "asks" not in notice_title(asked)
    assert _notices(users["li"]) == [] and _notices(users["scheduler"]) == []

    services.swap_request_accept(swap=swap, actor=users["zhang"])
    (answer,) = _notices(users["li"])
    assert answer.params["to"] == "Zhang Min"
    with translation.override("en"):
        assert "the swap was accepted" in notice_title(answer)
    assert len(_notices(users["zhang"])) == 1  # nothing more for the one who accepted


def test_a_rejection_reaches_the_asker(world):
    users = world["users"]
    duty = DutyAssignmentFactory(shift=world["later"], staff=world["li"], role="police")
    swap = services.swap_request_create(assignment=duty, to_staff=world["zhang"], actor=users["li"])
    services.swap_request_reject(swap=swap, actor=users["scheduler"], reason="short-handed")
    (answer,) = _notices(users["li"])
    with translation.override("en"):
        assert "the swap was rejected" in notice_title(answer)


def test_without_a_login_the_brigade_is_asked_to_decide(world):
    users = world["users"]
    duty = DutyAssignmentFactory(shift=world["later"], staff=world["guard"], role="guard")
    services.swap_request_create(assignment=duty, to_staff=world["chen"], actor=users["staff"])
    (notice,) = _notices(users["scheduler"])
    assert notice.params["to"] == "Chen Jing"
    with translation.override("en"):
        assert notice_title(notice).endswith("accept or reject it")


def test_a_duty_within_a_day_makes_the_notice_urgent(world):
    users = world["users"]
    duty = DutyAssignmentFactory(shift=world["soon"], staff=world["li"], role="police")
    services.swap_request_create(assignment=duty, to_staff=world["zhang"], actor=users["li"])
    (notice,) = _notices(users["zhang"])
    assert notice.urgent


def test_withdrawing_tells_the_person_asked_and_other_requests_made_stale_tell_their_askers(world):
    users = world["users"]
    duty = DutyAssignmentFactory(shift=world["later"], staff=world["li"], role="police")
    swap = services.swap_request_create(assignment=duty, to_staff=world["zhang"], actor=users["li"])
    services.swap_request_cancel(swap=swap, actor=users["li"])
    assert [n.params["requester"] for n in _notices(users["zhang"])] == ["Li Wei", "Li Wei"]
    with translation.override("en"):
        assert "withdrew" in notice_title(_notices(users["zhang"])[-1])

    # Two requests about one duty: accepting one withdraws the other, and its asker hears why.
    first = services.swap_request_create(assignment=duty, to_staff=world["zhang"], actor=users["li"])
    other = SwapRequest.objects.create(assignment=duty, to_staff=world["chen"], requested_by=users["staff"])
    services.swap_request_accept(swap=first, actor=users["scheduler"])
    other.refresh_from_db()
    assert other.status == "cancelled"
    (stale,) = _notices(users["staff"])
    with translation.override("en"):
        assert "the duty changed hands" in notice_title(stale)


def test_a_refused_decision_sends_nothing(world):
    users = world["users"]
    duty = DutyAssignmentFactory(shift=world["later"], staff=world["li"], role="police")
    swap = services.swap_request_create(assignment=duty, to_staff=world["zhang"], actor=users["li"])
    before = Notice.objects.count()
    with pytest.raises(NotAllowed):
        services.swap_request_accept(swap=swap, actor=users["staff"])
    assert Notice.objects.count() == before
