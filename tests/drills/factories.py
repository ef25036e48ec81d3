"""factory_boy factories for drills, plans and activities."""

from __future__ import annotations

import datetime as dt

import factory

from drills.models import (
    Activity,
    CorrectiveAction,
    Drill,
    DrillRule,
    DrillType,
    EmergencyPlan,
    EmergencyPlanVersion,
)
from tests.factories import SchoolFactory


class DrillTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DrillType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"type{n}")
    name = factory.Sequence(lambda n: f"Drill type {n}")


class DrillRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DrillRule

    drill_type = factory.SubFactory(DrillTypeFactory)
    count = 1


class DrillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Drill

    school = factory.SubFactory(SchoolFactory)
    drill_type = factory.SubFactory(DrillTypeFactory)
    status = Drill.Status.DONE
    date = dt.date(2026, 10, 15)


class CorrectiveActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CorrectiveAction

    drill = factory.SubFactory(DrillFactory)
    description = "Unlock the east stair door during school hours."
    owner = "Head of logistics"
    due_date = dt.date(2026, 11, 15)


class EmergencyPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmergencyPlan

    school = factory.SubFactory(SchoolFactory)
    scenario = factory.SubFactory(DrillTypeFactory)
    title = factory.Sequence(lambda n: f"Plan {n}")


class EmergencyPlanVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmergencyPlanVersion

    plan = factory.SubFactory(EmergencyPlanFactory)
    version = 1
    effective_date = dt.date(2026, 3, 1)
    text = "Who does what."
    approved_by = "Principal"
    approved_on = dt.date(2026, 2, 20)
    review_due = dt.date(2027, 2, 20)


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    kind = Activity.Kind.ANTI_FRAUD
    school = factory.SubFactory(SchoolFactory)
    date = dt.date(2026, 10, 20)
    title = "Anti-fraud talk"
    audience = 300
