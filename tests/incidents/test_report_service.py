"""``incident_report``: permission, validation, reference, routing snapshot, timeline, audit, idempotency."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from campus.models import LiaisonAssignment
from common.errors import NotAllowed
from common.models import AuditLogEntry
from incidents.models import Incident, IncidentEvent
from incidents.report import services as report_module
from incidents.report.services import IdempotencyKeyReused, incidents_visible
from tests.incidents.test_report_support import World, counts, english_fixture, photo, world_fixture  # noqa: F401


def test_report_is_stored_routed_and_audited(world: World, django_capture_on_commit_callbacks, monkeypatch):
    notified = []
    monkeypatch.setattr(report_module, "incident_notify_new", notified.append)
    with django_capture_on_commit_callbacks(execute=True):
        incident, created = world.report(gate=world.gate)
    assert created
    assert re.fullmatch(rf"XA-{timezone.localdate():%Y%m%d}-\d{{4,}}", incident.reference)
    assert incident.reference.endswith(f"{incident.pk:04d}")
    incident.refresh_from_db()
    assert incident.liaison_officer == world.officer
    assert incident.station == world.station
    assert incident.status == "reported"
    kinds = list(incident.events.values_list("kind", flat=True))
    assert kinds == [IncidentEvent.Kind.REPORTED, IncidentEvent.Kind.ROUTED]
    routed = incident.events.get(kind="routed").text
    assert "Li Wei" in routed and world.station.name in routed
    assert AuditLogEntry.objects.filter(action="incident.report", object_id=str(incident.pk)).exists()
    assert notified == [incident.pk]


def test_routed_event_says_when_no_liaison_is_assigned(world: World):
    LiaisonAssignment.objects.filter(school=world.school).update(ended_at=timezone.now())
    incident, _ = world.report()
    assert incident.liaison_officer is None
    assert "No liaison officer" in incident.events.get(kind="routed").text


def test_notification_waits_for_commit(world: World, django_capture_on_commit_callbacks, monkeypatch):
    notified = []
    monkeypatch.setattr(report_module, "incident_notify_new", notified.append)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        world.report()
    assert notified == [] and len(callbacks) == 1


def test_staff_may_not_report_for_another_school(world: World):
    before = counts()
    with pytest.raises(NotAllowed, match="only for your own school"):
        world.report(school=world.other_school)
    assert counts() == before


def test_admin_reports_for_any_school(world: World):
    incident, created = world.report(reporter=world.admin, school=world.other_school)
    assert created and incident.school == world.other_school


@pytest.mark.parametrize("user", ["officer_user", "pilot"])
def test_roles_without_report_capability_are_refused(world: World, user: str):
    with pytest.raises(NotAllowed):
        world.report(reporter=getattr(world, user))
    assert Incident.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"occurred_at": "FUTURE"}, "occurred_at", "in the future"),
        ({"description": "   "}, "description", "Describe what happened"),
        ({"description": "x" * 4001}, "description", "at most 4000"),
        ({"gate": "OTHER_GATE"}, "gate", "is not a gate of"),
        ({"lat": 118.17, "lon": 36.18}, "lat", "look swapped"),
        ({"lat": 48.85, "lon": 2.35}, "lat", "outside China"),
        ({"lat": 36.18}, "lat", "both latitude and longitude"),
        ({"category": "alien"}, "category", "not a valid choice"),
        ({"severity": "apocalyptic"}, "severity", "not a valid choice"),
        ({"idempotency_key": "short"}, "idempotency_key", "8 to 80"),
        ({"reporter_phone": "call me <b>"}, "reporter_phone", "digits"),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_is_written(world: World, overrides, field, message):
    if overrides.get("occurred_at") == "FUTURE":
        overrides["occurred_at"] = timezone.now() + dt.timedelta(hours=1)
    if overrides.get("gate") == "OTHER_GATE":
        overrides["gate"] = world.other_gate
    before = counts()
    with pytest.raises(ValidationError) as info:
        world.report(**overrides)
    assert field in info.value.message_dict
    assert message in " ".join(info.value.message_dict[field])
    assert counts() == before


def test_clock_skew_of_a_few_minutes_is_accepted(world: World):
    _incident, created = world.report(occurred_at=timezone.now() + dt.timedelta(minutes=2))
    assert created


def test_same_key_same_body_returns_the_stored_report(world: World):
    first, created = world.report(photos=[photo()])
    before = counts()
    again, created_again = world.report(photos=[photo()])
    assert created and not created_again
    assert again.pk == first.pk and again.reference == first.reference
    assert counts() == before


def test_same_key_different_body_is_refused_and_nothing_is_written(world: World):
    first, _ = world.report()
    before = counts()
    with pytest.raises(IdempotencyKeyReused, match="used for a different report") as info:
        world.report(description="Something else entirely.")
    assert info.value.http_status == 409 and first.reference in info.value.message
    with pytest.raises(IdempotencyKeyReused):
        world.report(photos=[photo()])  # a photo added is a different body too
    assert counts() == before


def test_keys_are_per_reporter(world: World):
    mine, _ = world.report()
    theirs, created = world.report(reporter=world.admin)
    assert created and theirs.pk != mine.pk


def test_lost_race_inside_an_outer_transaction_returns_the_winner(world: World, monkeypatch):
    """The INSERT loses on the unique constraint (another request won meanwhile): the winner comes back."""
    winner, _ = world.report()
    real_filter = Incident.objects.filter
    calls = {"n": 0}

    def blind_first_lookup(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1 and "idempotency_key" in kwargs:
            return Incident.objects.none()  # as if the other request had not committed yet
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(Incident.objects, "filter", blind_first_lookup)
    before = counts()
    with transaction.atomic():
        again, created = world.report()
        assert Incident.objects.count() == 1  # the outer transaction is still usable
    assert not created and again.pk == winner.pk
    assert counts() == before


def test_visibility_staff_see_only_their_school(world: World):
    mine, _ = world.report()
    theirs, _ = world.report(reporter=world.other_staff, school=world.other_school)
    assert list(incidents_visible(world.staff)) == [mine]
    assert set(incidents_visible(world.officer_user)) == {mine, theirs}
    assert not incidents_visible(world.pilot).exists()
