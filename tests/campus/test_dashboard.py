"""一校一警 on the overview dashboard: county numbers for the brigade, the officer's own station for officers."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from campus import services
from campus.dashboard import liaison_section
from common.roles import Role
from tests.factories import SchoolFactory, make_user

pytestmark = pytest.mark.django_db


def tiles(section) -> dict:
    return {t.key: t for t in section.tiles}


def test_county_numbers_for_the_brigade_with_the_uncovered_school_as_an_alert(scheduler, liaison_county):
    section = liaison_section(user=scheduler, now=timezone.now())
    t = tiles(section)
    assert (t["covered"].value, t["uncovered"].value) == (3, 1)
    assert t["covered"].note == "of 4 (75.0%)"
    assert t["uncovered"].level == "alert" and t["uncovered"].url.endswith("/campus/coverage/#uncovered")
    assert t["needs_reassignment"].value == 0 and t["needs_reassignment"].level == "ok"
    assert section.lines == [] and section.title == "一校一警 coverage"


def test_an_officer_sees_their_station_and_their_own_schools(liaison_county):
    user = make_user(Role.STATION_OFFICER, officer=liaison_county["li"], username="li")
    section = liaison_section(user=user, now=timezone.now())
    t = tiles(section)
    assert (t["covered"].value, t["uncovered"].value) == (2, 1)  # North only: South 0 is not counted
    assert f"?station={liaison_county['north'].pk}" in t["uncovered"].url
    assert [line.text for line in section.lines] == ["North 0", "North 1"]
    assert section.title == "一校一警 coverage: North"


def test_an_inactive_officers_school_needs_reassignment(scheduler, admin_user, liaison_county):
    services.officer_deactivate(officer=liaison_county["zhao"], actor=admin_user, reason="retired")
    t = tiles(liaison_section(user=scheduler, now=timezone.now()))
    assert t["needs_reassignment"].value == 1 and t["needs_reassignment"].level == "warn"
    assert t["covered"].value == 2


@pytest.mark.parametrize("role", [Role.SCHOOL_STAFF, Role.DRONE_OPERATOR])
def test_roles_without_coverage_get_no_section(role, liaison_county):
    user = make_user(role, school=liaison_county["n3"] if role == Role.SCHOOL_STAFF else None)
    assert liaison_section(user=user, now=timezone.now()) is None


def test_every_tile_opens_for_the_officer(liaison_county):
    user = make_user(Role.STATION_OFFICER, officer=liaison_county["li"], username="li")
    client = Client()
    client.force_login(user)
    for tile in liaison_section(user=user, now=timezone.now()).tiles:
        assert client.get(tile.url.split("#")[0]).status_code == 200, tile.key


def test_queries_do_not_grow_with_schools(scheduler, liaison_county, django_assert_max_num_queries):
    for i in range(10):
        SchoolFactory(lat=36.30 + 0.01 + i * 0.001, lon=118.17)
    with django_assert_max_num_queries(8):
        liaison_section(user=scheduler, now=timezone.now())
