"""Shared set-up for the handling tests (no tests here): two stations, a school each, officers with accounts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from campus.models import LiaisonAssignment
from common.roles import Role
from tests.factories import OfficerFactory, SchoolFactory, StationFactory, make_user, square
from tests.incidents.factories import IncidentFactory

T0 = dt.datetime(2026, 9, 7, 8, 0, tzinfo=dt.UTC)


@dataclass
class County:
    station: object
    station_b: object
    school: object
    school_b: object
    liaison: object  # Officer, liaison of ``school``
    desk: object  # another officer of ``station``
    head: object  # the head of ``station``
    other: object  # an officer of ``station_b``
    liaison_user: object
    desk_user: object
    head_user: object
    other_user: object
    admin: object
    scheduler: object
    leader: object
    staff: object  # school safety staff of ``school``
    staff_b: object  # of ``school_b``

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


def build_county() -> County:
    station = StationFactory(lat=36.18, lon=118.17, jurisdiction=square(36.18, 118.17, 0.05))
    station_b = StationFactory(lat=36.6, lon=118.6, jurisdiction=square(36.6, 118.6, 0.05))
    school = SchoolFactory(lat=36.18, lon=118.17)
    school_b = SchoolFactory(lat=36.6, lon=118.6)
    liaison = OfficerFactory(station=station, phone="13900000001")
    desk = OfficerFactory(station=station)
    head = OfficerFactory(station=station)
    station.head = head
    station.save(update_fields=["head"])
    other = OfficerFactory(station=station_b)
    LiaisonAssignment.objects.create(
        school=school, officer=liaison, station_at_start=station, started_at=timezone.now()
    )
    return County(
        station=station,
        station_b=station_b,
        school=school,
        school_b=school_b,
        liaison=liaison,
        desk=desk,
        head=head,
        other=other,
        liaison_user=make_user(Role.STATION_OFFICER, officer=liaison, username="liaison"),
        desk_user=make_user(Role.STATION_OFFICER, officer=desk, username="desk"),
        head_user=make_user(Role.STATION_OFFICER, officer=head, username="head"),
        other_user=make_user(Role.STATION_OFFICER, officer=other, username="other"),
        admin=make_user(Role.BUREAU_ADMIN, username="admin"),
        scheduler=make_user(Role.BRIGADE_SCHEDULER, username="scheduler"),
        leader=make_user(Role.LEADERSHIP, username="leader"),
        staff=make_user(Role.SCHOOL_STAFF, school=school, username="staff"),
        staff_b=make_user(Role.SCHOOL_STAFF, school=school_b, username="staff_b"),
    )
