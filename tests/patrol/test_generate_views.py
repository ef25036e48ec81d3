"""The generate page and API: run, show the report, scope it for school staff, reject bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from common.roles import Role
from patrol.models import DutyAssignment, DutyRole
from tests.factories import GateFactory, SchoolFactory, StationFactory, make_user
from tests.patrol.factories import DutyShiftFactory, DutyStaffFactory, PostFactory, TermFactory


@pytest.fixture
def setup(db):
    station = StationFactory()
    school = SchoolFactory()
    school.responsible_station = station
    school.save(update_fields=["responsible_station"])
    term = TermFactory()
    covered = DutyShiftFactory(term=term, post=PostFactory(gate=GateFactory(school=school), requirements={"police": 1}))
    uncovered = DutyShiftFactory(
        term=term,
        post=PostFactory(gate=GateFactory(school=school), requirements={"guard": 1}),
        date=dt.date(2026, 9, 8),
    )
    DutyStaffFactory(role=DutyRole.POLICE, station=station)
    return {"term": term, "school": school, "covered": covered, "uncovered": uncovered}


def test_page_runs_the_solver_and_shows_uncovered_posts(client, setup):
    client.force_login(make_user(Role.BRIGADE_SCHEDULER))
    url = reverse("patrol:generate-term", kwargs={"pk": setup["term"].pk})
    response = client.post(url, {"time_limit_s": "2"}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert b"Roster generated: 1 of 2 places filled." in response.content
    assert b"No one qualified" in response.content  # grouped by cause and station (patrol.roster.explain)
    assert DutyAssignment.objects.filter(shift=setup["covered"]).count() == 1


def test_page_rejects_a_bad_time_limit_and_writes_nothing(client, setup):
    client.force_login(make_user(Role.BRIGADE_SCHEDULER))
    url = reverse("patrol:generate-term", kwargs={"pk": setup["term"].pk})
    response = client.post(url, {"time_limit_s": "0"}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert b"Time limit (seconds): Ensure this value is greater than or equal to 1." in response.content
    assert not DutyAssignment.objects.exists()


def test_api_returns_the_report_and_school_staff_see_only_their_school(client, setup):
    client.force_login(make_user(Role.BUREAU_ADMIN))
    url = reverse("patrol_api:generate-term", kwargs={"pk": setup["term"].pk})
    body = client.post(url, {"time_limit_s": 2}, content_type="application/json").json()
    assert body["report"]["coverage"]["filled"] == 1
    assert [u["reason"] for u in body["report"]["uncovered"]] == ["no_one_qualified"]

    client.force_login(make_user(Role.SCHOOL_STAFF, school=SchoolFactory()))
    assert client.get(url).json()["report"]["uncovered"] == []
    client.force_login(make_user(Role.SCHOOL_STAFF, school=setup["school"], username="own_staff"))
    assert len(client.get(url).json()["report"]["uncovered"]) == 1


def test_api_bad_input_names_the_field(client, setup):
    client.force_login(make_user(Role.BUREAU_ADMIN))
    url = reverse("patrol_api:generate-term", kwargs={"pk": setup["term"].pk})
    response = client.post(url, {"from_date": "2027-05-01"}, content_type="application/json")
    assert response.status_code == 400
    assert "From date: 2027-05-01 is outside the term" in response.json()["detail"]
    assert not DutyAssignment.objects.exists()
