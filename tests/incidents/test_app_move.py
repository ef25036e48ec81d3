"""Incident reports moved from ``campus/incidents/`` to the ``incidents`` app without touching their data.

The tables keep their names, the content types (and the permissions on them) follow the models,
and audit entries written with the old ``campus.*`` labels stay readable. The migrations run on an
empty database (the test database itself) and on one holding the sample county with its incidents.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import translation

from common.audit import LEGACY_OBJECT_TYPES, audit_record, object_type_aliases, object_type_current
from common.models import AuditLogEntry
from common.roles import Role
from incidents.models import FollowUp, Incident, IncidentEvent, IncidentPhoto, Rectification
from incidents.sample import load_sample_incidents
from tests.factories import make_user

MOVED = [Incident, IncidentEvent, IncidentPhoto, FollowUp, Rectification]
BEFORE_THE_MOVE = ("campus", "0006_default_drill_types_rules")
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
    call_command("makemigrations", "--check", "--dry-run", stdout=io.StringIO())  # exits 1 on a change


@pytest.mark.django_db
def test_empty_database_migrated_has_incident_content_types_and_permissions():
    for model in MOVED:
        content_type = ContentType.objects.get_for_model(model)
        assert content_type.app_label == "incidents"
        assert Permission.objects.filter(content_type=content_type).count() == 4
    assert not ContentType.objects.filter(app_label="campus", model__in=[m._meta.model_name for m in MOVED])


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_migrating_a_database_with_the_sample_county_keeps_rows_and_moves_content_types():
    # The role groups come from a data migration, which an earlier transactional test's flush removed.
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    call_command("load_sample_county", stdout=io.StringIO())
    load_sample_incidents()
    expected = {m._meta.model_name: sorted(m.objects.values_list("id", flat=True)) for m in MOVED}
    assert expected["incident"] and expected["incidentevent"] and expected["followup"]
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        # The database as it was before the move: the models are campus's, and so are their content types.
        old_apps = _migrate([BEFORE_THE_MOVE])
        ContentType.objects.clear_cache()
        assert not old_apps.is_installed("incidents") or not old_apps.all_models["incidents"]
        OldIncident = old_apps.get_model("campus", "Incident")
        assert sorted(OldIncident.objects.values_list("id", flat=True)) == expected["incident"]
        old_ct = {ct.model: ct.id for ct in ContentType.objects.filter(app_label="campus", model__in=list(expected))}
        assert set(old_ct) == set(expected)
        permissions = {
            model: set(Permission.objects.filter(content_type_id=ct_id).values_list("codename", flat=True))
            for model, ct_id in old_ct.items()
        }
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
    finally:
        _migrate(leaves)
        ContentType.objects.clear_cache()

    for model in MOVED:
        assert sorted(model.objects.values_list("id", flat=True)) == expected[model._meta.model_name]
    assert Incident.objects.get(id=old.id).reference == "MOVE-0001"
    assert Incident.objects.get(id=old.id).school.is_sample
    moved_ct = {ct.model: ct.id for ct in ContentType.objects.filter(app_label="incidents")}
    assert moved_ct == old_ct  # renamed in place: same ids, so the permissions on them stay attached
    for model, ct_id in moved_ct.items():
        assert (
            set(Permission.objects.filter(content_type_id=ct_id).values_list("codename", flat=True))
            == (permissions[model])
        )
    assert not ContentType.objects.filter(app_label="campus", model__in=list(expected)).exists()
    assert ContentType.objects.get_for_model(Incident).id == old_ct["incident"]
    entry = AuditLogEntry.objects.get(object_type="campus.incident", object_id=str(old.id))
    assert object_type_current(entry.object_type) == "incidents.incident"


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
    old = audit_record(actor=None, action="incident.escalate", object_type="campus.incident", object_id=41)
    new = audit_record(actor=None, action="incident.comment", object_type="incidents.incident", object_id=41)
    audit_record(actor=None, action="school.update", object_type="campus.school", object_id=41)
    client.force_login(make_user(Role.BUREAU_ADMIN))

    for label in ("incidents.incident", "campus.incident"):
        page = client.get(reverse("audit_log"), {"object_type": label})
        assert page.status_code == 200
        assert list(page.context["page"]) == [new, old]
        html = page.content.decode()
        assert html.count("incidents.incident#41") == 2
        assert 'title="Recorded as campus.incident"' in html
        api = client.get(reverse("api_audit"), {"object_type": label})
        assert [e["id"] for e in api.json()["results"]] == [new.id, old.id]
        # The API returns what was written: the log is a record, not a view.
        assert [e["object_type"] for e in api.json()["results"]] == ["incidents.incident", "campus.incident"]


def _incident_schema(schema: dict) -> dict:
    """The incident API's paths and every component they reach, as JSON-comparable data."""
    paths = {p: v for p, v in schema["paths"].items() if p.startswith("/api/incidents/")}
    components = schema["components"]["schemas"]
    seen: dict[str, dict] = {}
    todo = [json.dumps(paths)]
    while todo:
        text = todo.pop()
        for name in {part.split('"')[0] for part in text.split("#/components/schemas/")[1:]}:
            if name not in seen:
                seen[name] = components[name]
                todo.append(json.dumps(components[name]))
    return {"paths": paths, "components": dict(sorted(seen.items()))}


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="integer limits in the schema come from the database backend; the snapshot is SQLite's",
)
def test_incident_api_schema_is_unchanged_by_the_move(tmp_path):
    """Against ``manage.py spectacular`` run before the move (SQLite, the site's language)."""
    out = tmp_path / "schema.yml"
    with translation.override(settings.LANGUAGE_CODE):
        call_command("spectacular", "--file", str(out))
    current = _incident_schema(yaml.safe_load(out.read_text()))
    assert current["paths"], "no /api/incidents/ paths in the schema"
    assert json.loads(SCHEMA_SNAPSHOT.read_text()) == json.loads(json.dumps(current))
