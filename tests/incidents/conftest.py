"""The incident tests' client, county and deadlines."""

from __future__ import annotations

import datetime as dt

import pytest

from common.roles import Role
from tests.county import County, build_county
from tests.incidents.factories import IncidentFactory

T0 = dt.datetime(2026, 9, 7, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def client(english_client):
    """These tests read English page text (see ``english_client`` in tests/conftest.py)."""
    return english_client


class IncidentCounty(County):
    """A ``County`` that makes reports at ``school`` by default (see ``build_incident_county``)."""

    def incident(self, **kwargs):
        defaults = {
            "school": self.school,
            "station": self.station,
            "liaison_officer": self.liaison,
            "reporter": self.staff,
            "created_at": T0,
            "occurred_at": T0,
        }
        return IncidentFactory(**{**defaults, **kwargs})


def build_incident_county() -> IncidentCounty:
    """Two stations far apart, a school each, officers with accounts, the bureau and school staff.

    ``station`` (headed by ``head``; ``desk`` works there too) and its ``school``, whose liaison officer is
    ``liaison`` (phone 13900000001); ``station_b`` with ``other`` and ``school_b``. Users: ``liaison_user``,
    ``desk_user``, ``head_user``, ``other_user`` (the officers' accounts), ``admin``, ``scheduler``,
    ``leader``, and ``staff``/``staff_b``, the safety staff of ``school``/``school_b``.
    """
    return build_county(
        county_type=IncidentCounty,
        stations={"station": {"lat": 36.18, "lon": 118.17}, "station_b": {"lat": 36.6, "lon": 118.6}},
        schools={"school": {"lat": 36.18, "lon": 118.17}, "school_b": {"lat": 36.6, "lon": 118.6}},
        officers={
            "liaison": {"station": "station", "phone": "13900000001"},
            "desk": {"station": "station"},
            "head": {"station": "station"},
            "other": {"station": "station_b"},
        },
        heads={"station": "head"},
        liaisons={"school": "liaison"},
        users={
            "liaison_user": {"role": Role.STATION_OFFICER, "officer": "liaison", "username": "liaison"},
            "desk_user": {"role": Role.STATION_OFFICER, "officer": "desk", "username": "desk"},
            "head_user": {"role": Role.STATION_OFFICER, "officer": "head", "username": "head"},
            "other_user": {"role": Role.STATION_OFFICER, "officer": "other", "username": "other"},
            "admin": {"role": Role.BUREAU_ADMIN},
            "scheduler": {"role": Role.BRIGADE_SCHEDULER},
            "leader": {"role": Role.LEADERSHIP},
            "staff": {"role": Role.SCHOOL_STAFF, "school": "school"},
            "staff_b": {"role": Role.SCHOOL_STAFF, "school": "school_b"},
        },
    )


@pytest.fixture
def county(db) -> IncidentCounty:
    return build_incident_county()


@pytest.fixture
def deadlines(settings):
    """Short acknowledgement and resolution limits, the same for every test that uses them."""
    settings.INCIDENT_ACK_MINUTES = {"urgent": 5, "high": 15, "medium": 60, "low": 240}
    settings.INCIDENT_RESOLVE_HOURS = {"urgent": 4, "high": 24, "medium": 72, "low": 168}
