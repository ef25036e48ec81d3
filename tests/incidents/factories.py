"""factory_boy factories for incident reports."""

from __future__ import annotations

import datetime as dt
import hashlib

import factory
from django.utils import timezone

from incidents.models import FollowUp, Incident, IncidentEvent, Rectification
from tests.factories import SchoolFactory, UserFactory


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    reference = factory.Sequence(lambda n: f"XA-TEST-{n:05d}")
    school = factory.SubFactory(SchoolFactory)
    category = "suspicious"
    severity = "medium"
    occurred_at = factory.LazyFunction(timezone.now)
    created_at = factory.LazyFunction(timezone.now)
    description = "A man was filming pupils at the gate."
    reporter = factory.SubFactory(UserFactory)
    reporter_name = "Reporter"
    idempotency_key = factory.Sequence(lambda n: f"key-{n}")
    body_hash = factory.LazyAttribute(lambda o: hashlib.sha256(o.idempotency_key.encode()).hexdigest())
    station = factory.LazyAttribute(lambda o: o.school.responsible_station)


class IncidentEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncidentEvent

    incident = factory.SubFactory(IncidentFactory)
    kind = IncidentEvent.Kind.COMMENT
    text = "note"
    actor_name = "someone"
    at = factory.LazyFunction(timezone.now)


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    incident = factory.SubFactory(IncidentFactory, status="resolved")
    due_at = factory.LazyFunction(timezone.now)


class RectificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rectification

    incident = factory.SubFactory(IncidentFactory, status="closed")
    station = factory.LazyAttribute(lambda o: o.incident.station)
    problem = "The officer came late."
    due_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=7))
    created_at = factory.LazyFunction(timezone.now)
