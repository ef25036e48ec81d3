"""Compliance counts a school's requirements only from when it entered the registry (issue 15)."""

from __future__ import annotations

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from campus.models import School, Station
from campus.services import school_save
from common.roles import Role
from drills.compliance import Status, compliance_board, school_compliance
from drills.models import DrillRule
from drills.selectors import school_registered_on
from imports import services
from imports.models import ImportBatch
from tests.drills.factories import DrillFactory
from tests.factories import StationFactory, make_user, square
from tests.imports.fixtures import csv_bytes

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2025, 12, 20)


def _at(day: dt.date, hour: int = 10):
    """``timezone.now()`` frozen at ``day`` ``hour``:00 Beijing time, for rows stamped on creation."""
    return mock.patch("django.utils.timezone.now", return_value=dt.datetime(day.year, day.month, day.day, hour,
                                                                            tzinfo=SHANGHAI))  # fmt: skip


def _import_school(code: str, *, on: dt.date) -> School:
    if not Station.objects.filter(code="ST-IMPORT").exists():
        StationFactory(code="ST-IMPORT", jurisdiction=square(36.18, 118.17, 0.2))
    user = make_user(Role.BRIGADE_SCHEDULER)
    content = csv_bytes(f"code,name,level,area,lat,lon\n{code},New Primary,primary,rural,36.18,118.17\n")
    with _at(on):
        batch = services.import_batch_preview(
            kind="schools", crs="wgs84", filename="new.csv", content=content, actor=user
        )
        assert batch.status == ImportBatch.Status.PREVIEWED, batch.report["problems"]
        services.import_batch_apply(batch=batch, actor=user)
    return School.objects.get(code=code)


def _monthly_fire(fire) -> None:
    DrillRule.objects.create(drill_type=fire, period="month", count=1)


def _statuses(result) -> dict[int, str]:
    return {i.period.end.month: i.status for i in result.items if i.period.kind == "month"}


def test_imported_school_is_not_overdue_for_months_before_it_was_imported(term, fire, only_rules):
    _monthly_fire(fire)
    school = _import_school("NEW1", on=dt.date(2025, 11, 3))
    result = school_compliance(school=school, term=term, today=TODAY)
    assert result.registered_on == dt.date(2025, 11, 3)
    statuses = _statuses(result)
    assert 9 not in statuses and 10 not in statuses  # September and October ended before the import
    assert statuses[11] == Status.OVERDUE  # 28 days of November were left: owed
    assert statuses[12] == Status.DUE_SOON
    assert result.totals.overdue == 1


def test_a_month_with_fewer_than_15_days_left_after_registration_requires_nothing(term, fire, only_rules):
    _monthly_fire(fire)
    school = _import_school("NEW2", on=dt.date(2025, 11, 20))  # 11 days of November left
    statuses = _statuses(school_compliance(school=school, term=term, today=TODAY))
    assert list(statuses) == [12, 1]


def test_term_rule_still_applies_to_a_school_registered_mid_term(term, fire, only_rules):
    DrillRule.objects.create(drill_type=fire, period="term", count=1)
    school = _import_school("NEW3", on=dt.date(2025, 11, 3))
    result = school_compliance(school=school, term=term, today=dt.date(2026, 1, 20))
    assert [(i.period.kind, i.status) for i in result.items] == [("term", Status.OVERDUE)]


def test_school_created_in_the_registry_pages_counts_from_its_audited_creation(setup, term, fire, only_rules):
    _monthly_fire(fire)
    school = School(code="FORM1", name="Form Primary", level="primary", area="rural", lat=36.18, lon=118.17)
    with _at(dt.date(2025, 10, 10), hour=1):  # 01:00 Beijing is the day before in UTC: the local date counts
        school_save(school=school, actor=setup["admin"])
    result = school_compliance(school=school, term=term, today=TODAY)
    assert result.registered_on == dt.date(2025, 10, 10)
    assert list(_statuses(result)) == [10, 11, 12, 1]
    assert result.as_dict()["registered_on"] == "2025-10-10"


def test_school_without_a_registration_record_counts_from_the_term_start(setup, term, fire, only_rules):
    _monthly_fire(fire)
    result = school_compliance(school=setup["school"], term=term, today=TODAY)
    assert result.registered_on is None
    assert list(_statuses(result)) == [9, 10, 11, 12, 1]


def test_drill_held_before_registration_still_counts_in_an_owed_period(term, fire, only_rules):
    DrillRule.objects.create(drill_type=fire, period="term", count=1)
    school = _import_school("NEW4", on=dt.date(2025, 11, 3))
    DrillFactory(school=school, drill_type=fire, date=dt.date(2025, 11, 1))  # recorded afterwards
    result = school_compliance(school=school, term=term, today=TODAY)
    assert [i.status for i in result.items] == [Status.MET]


def test_board_uses_each_schools_registration(setup, term, fire, only_rules):
    _monthly_fire(fire)
    _import_school("NEW5", on=dt.date(2025, 12, 1))
    board = compliance_board(term=term, today=TODAY, schools=School.objects.all())
    by_code = {s.school.code: s for s in board.schools}
    assert by_code["NEW5"].totals.overdue == 0
    assert by_code[setup["school"].code].totals.overdue == 3  # September to November, unregistered: term start


def test_reimport_and_a_deleted_code_created_again_take_the_latest_creation(term, fire, only_rules):
    school = _import_school("NEW6", on=dt.date(2025, 9, 20))
    school.delete()
    again = _import_school("NEW6", on=dt.date(2025, 11, 3))
    assert school_registered_on(schools=[again]) == {again.pk: dt.date(2025, 11, 3)}


def test_school_page_says_from_when_it_counts(client, setup, term, fire, only_rules):
    _monthly_fire(fire)
    school = _import_school("NEW7", on=dt.date(2025, 11, 3))
    client.force_login(setup["admin"])
    with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
        page = client.get(reverse("drills:drill-school", args=[school.pk]), {"term": term.pk})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Counted from 2025-11-03" in text
