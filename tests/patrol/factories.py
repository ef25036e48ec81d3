"""factory_boy factories for the 护学岗 models. Times are local (Asia/Shanghai), aware."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from campus.models import Term
from patrol.models import (
    BellSchedule,
    BellTime,
    DutyAssignment,
    DutyRole,
    DutyShift,
    DutyStaff,
    Leave,
    Post,
    WindowKind,
)
from tests.factories import GateFactory, SchoolFactory, StationFactory


def local(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    """An aware datetime in the project's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hh, mm)))


class TermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Term

    school_year = "2026-2027"
    name = factory.Sequence(lambda n: f"Term {n}")
    start_date = dt.date(2026, 9, 1)
    end_date = dt.date(2027, 1, 22)


class BellScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BellSchedule

    school = factory.SubFactory(SchoolFactory)
    name = "Mon-Fri"
    weekdays = [0, 1, 2, 3, 4]


class BellTimeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BellTime

    schedule = factory.SubFactory(BellScheduleFactory)
    kind = WindowKind.ARRIVAL
    time = dt.time(7, 50)


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    gate = factory.SubFactory(GateFactory)
    name = factory.Sequence(lambda n: f"Post {n}")
    requirements = factory.LazyFunction(lambda: {"police": 1})


class DutyStaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DutyStaff

    role = DutyRole.POLICE
    name = factory.Sequence(lambda n: f"Staff {n}")
    station = factory.SubFactory(StationFactory)


class LeaveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Leave

    staff = factory.SubFactory(DutyStaffFactory)
    start = factory.LazyFunction(lambda: local(dt.date(2026, 9, 7), 0))
    end = factory.LazyFunction(lambda: local(dt.date(2026, 9, 8), 0))


class DutyShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DutyShift

    term = factory.SubFactory(TermFactory)
    post = factory.SubFactory(PostFactory)
    date = dt.date(2026, 9, 7)
    kind = WindowKind.ARRIVAL
    start = factory.LazyAttribute(lambda o: local(o.date, 7, 20))
    end = factory.LazyAttribute(lambda o: local(o.date, 8, 0))
    requirements = factory.LazyAttribute(lambda o: dict(o.post.requirements))


class DutyAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DutyAssignment

    shift = factory.SubFactory(DutyShiftFactory)
    staff = factory.SubFactory(DutyStaffFactory)
    role = factory.LazyAttribute(lambda o: o.staff.role)
