"""Incident reports moved from ``campus/incidents/`` to the ``incidents`` app without touching their data.

The tables keep their names, the content types (and the permissions on them) follow the models,
and audit entries written with the old ``campus.*`` labels stay readable. The migrations run on an
empty database (the test database itself) and on one holding the sample county with its incidents.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command

from common.audit import LEGACY_OBJECT_TYPES, audit_record, object_type_aliases
from incidents.models import FollowUp, Incident, IncidentEvent, IncidentPhoto, Rectification
from incidents.sample import load_sample_incidents
from tests.migrations_helper import (
    SCHEMA_SNAPSHOTS_ARE_SQLITES,
    ModelMove,
    assert_api_schema_unchanged,
    assert_audit_shows_both_labels,
    assert_models_and_migrations_agree,
    restore_migration_data,
)

MOVED = [Incident, IncidentEvent, IncidentPhoto, FollowUp, Rectification]
BEFORE_THE_MOVE = ("campus", "0006_default_drill_types_rules")
MOVE = ModelMove(models=MOVED, old_app="campus", new_app="incidents", before=[BEFORE_THE_MOVE])
SCHEMA_SNAPSHOT = Path(__file__).with_name("schema_incidents.json")


def test_models_belong_to_the_incidents_app_and_keep_their_tables():
    assert {m._meta.app_label for m in MOVED} == {"incidents"}
    assert [m._meta.db_table for m in MOVED] == [
        "campus_incident",
        "campus_incidentevent",
        "campus_incidentphoto",
        "campus_followup",
        "campus_rectification",
    ]
    assert apps.get_app_config("incidents").verbose_name == "Incident reports"
    assert not [m for m in apps.get_app_config("campus").get_models() if m in MOVED]


@pytest.mark.django_db
def test_models_and_migrations_agree():
    assert_models_and_migrations_agree()


@pytest.mark.django_db
def test_empty_database_migrated_has_incident_content_types_and_permissions():
    MOVE.assert_empty_database_migrated()


@pytest.mark.django_db(transaction=True)
def test_migrating_a_database_with_the_sample_county_keeps_rows_and_moves_content_types():
    restore_migration_data()
    call_command("load_sample_county", stdout=io.StringIO())
    load_sample_incidents()
    expected = MOVE.row_ids()
    assert expected["incident"] and expected["incidentevent"] and expected["followup"]
    # The database as it was before the move: the models are campus's, and so are their content types.
    with MOVE.migrated_back() as before:
        old_apps = before.apps
        assert not old_apps.is_installed("incidents") or not old_apps.all_models["incidents"]
        OldIncident = old_apps.get_model("campus", "Incident")
        assert sorted(OldIncident.objects.values_list("id", flat=True)) == expected["incident"]
        # A report made before the move, through the old models, and its audit entry.
        school = old_apps.get_model("campus", "School").objects.filter(is_sample=True).first()
        reporter = old_apps.get_model("auth", "User").objects.filter(is_active=True).first()
        old = OldIncident.objects.create(
            reference="MOVE-0001",
            school_id=school.id,
            category="other",
            severity="low",
            occurred_at=OldIncident.objects.first().occurred_at,
            created_at=OldIncident.objects.first().created_at,
            description="Written before the move",
            reporter_id=reporter.id,
            reporter_name="Before",
            idempotency_key="move-0001",
            body_hash="0" * 64,
        )
        expected["incident"] = sorted([*expected["incident"], old.id])
        audit_record(actor=None, action="incident.report", object_type="campus.incident", object_id=old.id)

    MOVE.assert_moved(before, expected)
    assert Incident.objects.get(id=old.id).reference == "MOVE-0001"
    assert Incident.objects.get(id=old.id).school.is_sample
    MOVE.assert_old_audit_entry("campus.incident", old.id)


@pytest.mark.django_db
def test_new_audit_entries_use_the_new_label(school):
    entry = audit_record(actor=None, action="x", obj=Incident(id=5, school=school, reference="R-5"))
    assert entry.object_type == "incidents.incident"


def test_every_legacy_label_maps_to_a_moved_model():
    incidents_labels = {new for new in LEGACY_OBJECT_TYPES.values() if new.startswith("incidents.")}
    assert incidents_labels == {m._meta.label_lower for m in MOVED}
    assert object_type_aliases("incidents.incident") == ["incidents.incident", "campus.incident"]
    assert object_type_aliases("campus.incident") == ["incidents.incident", "campus.incident"]
    assert object_type_aliases("campus.school") == ["campus.school"]


@pytest.mark.django_db
def test_audit_page_and_api_show_entries_written_before_the_move(client):
    assert_audit_shows_both_labels(
        client,
        old_label="campus.incident",
        new_label="incidents.incident",
        other_label="campus.school",
        actions=("incident.escalate", "incident.comment", "school.update"),
    )


@pytest.mark.skipif(
    not SCHEMA_SNAPSHOTS_ARE_SQLITES,
    reason="integer limits in the schema come from the database backend; the snapshot is SQLite's",
)
def test_incident_api_schema_is_unchanged_by_the_move(tmp_path):
    """Against ``manage.py spectacular`` run before the move (SQLite, the site's language)."""
    assert_api_schema_unchanged("/api/incidents/", SCHEMA_SNAPSHOT, tmp_path)
