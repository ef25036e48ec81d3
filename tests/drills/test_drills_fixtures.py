"""Fixtures shared by the drill tests (imported by the test modules)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from campus.models import LiaisonAssignment, Term
from common.roles import Role
from drills.models import DrillRule, DrillType
from tests.factories import OfficerFactory, SchoolFactory, StationFactory, make_user

# Autumn 2025: the State Council calendar is known (National Day 1–8 October, make-up days 28 Sep, 11 Oct).
TERM_START, TERM_END = dt.date(2025, 9, 1), dt.date(2026, 1, 16)


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
def setup(db):
    station = StationFactory()
    school = SchoolFactory(name="Alpha school")
    other = SchoolFactory(name="Beta school")
    officer = OfficerFactory(station=station)
    LiaisonAssignment.objects.create(school=school, officer=officer, started_at=timezone.now())
    staff = make_user(Role.SCHOOL_STAFF, school=school, username="staff_a")
    staff.email = "staff@example.org"
    staff.save()
    liaison_user = make_user(Role.STATION_OFFICER, officer=officer, username="liaison")
    liaison_user.email = "liaison@example.org"
    liaison_user.save()
    admin = make_user(Role.BUREAU_ADMIN, username="admin")
    return {
        "station": station,
        "school": school,
        "other": other,
        "officer": officer,
        "staff": staff,
        "liaison_user": liaison_user,
        "admin": admin,
    }
