"""My duties (``patrol:roster-mine``): a page of duties at a time, in a fixed number of queries whatever
the page holds (the swap candidates of the whole page in one query, by the same rule as one duty's)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from patrol.models import DutyAssignment, DutyRole
from patrol.roster import selectors
from tests.patrol.factories import DutyAssignmentFactory, DutyShiftFactory, DutyStaffFactory, local
from tests.patrol.test_roster_edits import MONDAY, rw  # noqa: F401 - the fixture

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _duties(w, n: int, *, weeks_later: int = 1) -> None:
    """``n`` school days of Li's at school A, from ``weeks_later`` weeks after ``MONDAY``."""
    post = w["shift_a"].post
    made, day = 0, MONDAY + dt.timedelta(days=7 * weeks_later)
    while made < n:
        if day.weekday() < 5:
            shift = DutyShiftFactory(term=w["term"], post=post, date=day, start=local(day, 7, 20), end=local(day, 8, 0))
            DutyAssignmentFactory(shift=shift, staff=w["li"], role="police")
            made += 1
        day += dt.timedelta(days=1)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, **EN).status_code == 200
    return len(queries)


def test_my_duties_costs_the_same_queries_for_a_few_or_a_full_page(client, rw):  # noqa: F811
    client.force_login(rw["users"]["officer"])
    url = reverse("patrol:roster-mine")
    _duties(rw, 2)
    few = _queries(client, url)
    _duties(rw, 60, weeks_later=2)
    assert _queries(client, url) == few


def test_my_duties_shows_a_page_at_a_time(client, rw):  # noqa: F811
    client.force_login(rw["users"]["officer"])
    _duties(rw, 25)
    url = reverse("patrol:roster-mine")
    first = client.get(url, **EN).content.decode()
    second = client.get(url + "?page=2", **EN).content.decode()
    assert first.count('class="card duty-item"') == 20 and second.count('class="card duty-item"') == 5
    assert "1 / 2" in first and 'rel="next"' in first


@pytest.mark.parametrize("page", ["0", "-1", "abc", "999"])
def test_a_bad_page_number_shows_a_page_not_an_error(client, rw, page):  # noqa: F811
    client.force_login(rw["users"]["officer"])
    _duties(rw, 25)
    response = client.get(reverse("patrol:roster-mine") + f"?page={page}", **EN)
    assert response.status_code == 200 and 'class="card duty-item"' in response.content.decode()


@pytest.mark.parametrize("days_back", ["abc", "-5", "99999999"])
def test_a_bad_days_back_is_read_as_today_or_at_most_a_year(client, rw, days_back):  # noqa: F811
    client.force_login(rw["users"]["officer"])
    response = client.get(reverse("patrol:roster-mine") + f"?days_back={days_back}", **EN)
    assert response.status_code == 200
    since = response.context["since"]
    assert response.context["days_back"] <= 366 and since >= timezone.localdate() - dt.timedelta(days=367)


def test_the_page_of_swap_candidates_follows_the_one_duty_rule(rw):  # noqa: F811
    DutyStaffFactory(name="Aux Zhao", role=DutyRole.AUXILIARY, station=rw["station"])
    DutyStaffFactory(name="Gone Qian", role=DutyRole.POLICE, station=rw["station"], active=False)
    duties = [
        DutyAssignmentFactory(shift=rw["shift_a"], staff=rw["li"], role="police"),
        DutyAssignmentFactory(shift=rw["shift_a"], staff=rw["guard"], role="guard"),
        DutyAssignmentFactory(shift=rw["shift_b"], staff=rw["zhang"], role="auxiliary"),
    ]
    duties = list(
        DutyAssignment.objects.filter(pk__in=[d.pk for d in duties]).select_related("shift__post__gate__school")
    )
    together = selectors.swap_candidates_for(duties)
    for duty in duties:
        one = sorted(p.pk for p in selectors.swap_candidates(duty))
        assert sorted(p.pk for p in together[duty.pk]) == one, duty.role
    assert selectors.swap_candidates_for([]) == {}
