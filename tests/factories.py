"""factory_boy factories shared by the tests. Geometry is WGS-84 near the sample county."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from campus.models import Department, Gate, Officer, School, SchoolStaff, Station, Zone
from common.roles import Role

CENTER_LAT, CENTER_LON = 36.18, 118.17


def square(lat: float, lon: float, half: float = 0.01) -> dict:
    """A GeoJSON square polygon centred on (lat, lon), ``half`` degrees each way."""
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [lon - half, lat - half],
                [lon + half, lat - half],
                [lon + half, lat + half],
                [lon - half, lat + half],
                [lon - half, lat - half],
            ]
        ],
    }


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or ():
            # get_or_create: transactional tests flush the groups the data migration made.
            self.groups.add(Group.objects.get_or_create(name=Role(role).value)[0])


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Station

    code = factory.Sequence(lambda n: f"ST{n:03d}")
    name = factory.Sequence(lambda n: f"Station {n}")
    lat = CENTER_LAT
    lon = CENTER_LON
    jurisdiction = factory.LazyAttribute(lambda o: square(o.lat, o.lon, 0.05))
    duty_phone = "0533-0000000"


class ZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Zone

    code = factory.Sequence(lambda n: f"Z{n:03d}")
    name = factory.Sequence(lambda n: f"Zone {n}")
    station = factory.SubFactory(StationFactory)
    boundary = factory.LazyAttribute(lambda o: square(CENTER_LAT, CENTER_LON, 0.01))


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    code = factory.Sequence(lambda n: f"D{n:02d}")
    name = factory.Sequence(lambda n: f"Department {n}")


class OfficerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Officer

    badge_no = factory.Sequence(lambda n: f"B{n:05d}")
    name = factory.Sequence(lambda n: f"Officer {n}")
    kind = Officer.Kind.POLICE
    station = factory.SubFactory(StationFactory)
    phone = "13800000000"


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"S{n:05d}")
    name = factory.Sequence(lambda n: f"School {n}")
    level = School.Level.PRIMARY
    area = School.Area.RURAL
    pupils = 500
    lat = CENTER_LAT
    lon = CENTER_LON

    @factory.post_generation
    def resolve(self, create, extracted, **kwargs):
        from campus.spatial import schools_resolve_stations

        schools_resolve_stations([self])
        if create:
            self.save(update_fields=["zone", "responsible_station"])


class GateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Gate

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Gate {n}")
    lat = CENTER_LAT
    lon = CENTER_LON


def make_user(
    role: Role | None, *, school: School | None = None, officer: Officer | None = None, username=None, **fields
):
    """A user with ``role`` (or none); staff of ``school`` and/or the account of ``officer`` when given.

    ``fields`` go to ``UserFactory`` (``password``, ``email``); the password is ``"pw"`` unless given.
    """
    username = username or f"u_{role.value if role else 'none'}"
    user = UserFactory(username=username, roles=[role] if role else [], **fields)
    if school is not None:
        SchoolStaff.objects.create(user=user, school=school)
    if officer is not None:
        officer.user = user
        officer.save(update_fields=["user"])
    return user
