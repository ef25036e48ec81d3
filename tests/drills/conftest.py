"""The drill tests' client, county, term, drill types and rules.

tests/security imports ``setup``, ``term`` and ``fire`` from here for its export tests.
"""

from __future__ import annotations

import datetime as dt

import pytest

from campus.models import Term
from common.roles import Role
from drills.models import CorrectiveAction, DrillRule, DrillType
from tests.county import County, build_county
from tests.drills.factories import (
    CorrectiveActionFactory,
    DrillFactory,
    EmergencyPlanFactory,
    EmergencyPlanVersionFactory,
)
from tests.factories import SchoolFactory

# Autumn 2025: the State Council calendar is known (National Day 1–8 October, make-up days 28 Sep, 11 Oct).
TERM_START, TERM_END = dt.date(2025, 9, 1), dt.date(2026, 1, 16)


@pytest.fixture
def client(english_client):
    """These tests read English page text (see ``english_client`` in tests/conftest.py)."""
    return english_client


@pytest.fixture
def term(db) -> Term:
    return Term.objects.create(school_year="2025-2026", name="Autumn", start_date=TERM_START, end_date=TERM_END)


@pytest.fixture
def only_rules(db):
    """Deactivate the shipped default rules so a test sees only the rules it makes."""
    DrillRule.objects.update(active=False)


@pytest.fixture
def fire(db) -> DrillType:
    return DrillType.objects.get(code="fire")


@pytest.fixture
def violence(db) -> DrillType:
    return DrillType.objects.get(code="campus_violence")


@pytest.fixture
def setup(db) -> County:
    """One station; Alpha school (``school``), whose liaison is ``officer``, and Beta school (``other``).

    Users: ``staff`` (``staff_a``, Alpha's safety staff), ``liaison_user`` (the officer's account), both with
    an e-mail address for the reminders, and ``admin`` (a bureau admin).
    """
    return build_county(
        stations={"station": {}},
        schools={"school": {"name": "Alpha school"}, "other": {"name": "Beta school"}},
        officers={"officer": {"station": "station"}},
        liaisons={"school": "officer"},
        users={
            "staff": {
                "role": Role.SCHOOL_STAFF,
                "school": "school",
                "username": "staff_a",
                "email": "staff@example.org",
            },
            "liaison_user": {
                "role": Role.STATION_OFFICER,
                "officer": "officer",
                "username": "liaison",
                "email": "liaison@example.org",
            },
            "admin": {"role": Role.BUREAU_ADMIN},
        },
    )


def plan_version(plan, *, review_due: dt.date, version: int = 1):
    return EmergencyPlanVersionFactory(
        plan=plan,
        version=version,
        effective_date=review_due - dt.timedelta(days=360),
        approved_on=review_due - dt.timedelta(days=365),
        review_due=review_due,
    )


@pytest.fixture
def county(setup, term, fire, violence, only_rules) -> County:
    """``setup`` with the drills dashboard's data: Alpha (staff_a's school) is up to date on its monthly fire
    drill; Beta missed September and October.

    Both still owe November's drill (due within 14 days). Beta has one overdue corrective action; each school
    has an overdue plan review and Alpha one due soon; Beta has no plan for fire (only an empty one). An
    inactive school that is behind on everything must not count anywhere.
    """
    DrillRule.objects.create(drill_type=fire, period="month", count=1)
    alpha, beta = setup["school"], setup["other"]
    DrillFactory(school=alpha, drill_type=fire, date=dt.date(2025, 9, 10))
    DrillFactory(school=alpha, drill_type=fire, date=dt.date(2025, 10, 10))
    CorrectiveActionFactory(drill__school=beta, due_date=dt.date(2025, 11, 1))
    CorrectiveActionFactory(drill__school=beta, due_date=dt.date(2025, 12, 1))  # not due yet
    CorrectiveActionFactory(drill__school=beta, due_date=dt.date(2025, 11, 1), status=CorrectiveAction.Status.DONE)
    plan_version(EmergencyPlanFactory(school=alpha, scenario=fire), review_due=dt.date(2025, 11, 1))
    plan_version(EmergencyPlanFactory(school=alpha, scenario=violence), review_due=dt.date(2025, 11, 25))
    EmergencyPlanFactory(school=beta, scenario=fire)  # no version: does not cover the scenario
    plan_version(EmergencyPlanFactory(school=beta, scenario=violence), review_due=dt.date(2025, 10, 15))
    closed = SchoolFactory(name="Closed school", active=False)
    CorrectiveActionFactory(drill__school=closed, due_date=dt.date(2025, 10, 1))
    plan_version(EmergencyPlanFactory(school=closed, scenario=violence), review_due=dt.date(2025, 10, 1))
    return setup
