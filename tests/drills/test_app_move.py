"""Drills, plans and activities moved from ``campus/drills/`` to the ``drills`` app without touching their data.

The tables keep their names (and so do the officers' many-to-many tables), the content types (and the
permissions on them) follow the models, and audit entries written with the old ``campus.*`` labels stay
readable. The migrations run on an empty database (the test database itself) and on one holding the
sample county with its drills, plans and activities.
"""

from __future__ import annotations

import datetime as dt
import importlib
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
from django.utils import timezone, translation

from campus.models import Term
from common.audit import LEGACY_OBJECT_TYPES, audit_record, object_type_aliases, object_type_current
from common.models import AuditLogEntry
from common.roles import Role
from drills.models import (
    Activity,
    Attachment,
    CorrectiveAction,
    Drill,
    DrillRule,
    DrillType,
    EmergencyPlan,
    EmergencyPlanVersion,
    Reminder,
)
from drills.plans_sample import load_plans_sample
from drills.sample import load_sample_drills
from tests.factories import make_user

MOVED = [DrillType, DrillRule, Drill, CorrectiveAction, EmergencyPlan, EmergencyPlanVersion, Activity, Attachment,
         Reminder]  # fmt: skip
BEFORE_THE_MOVE = ("campus", "0007_incidents_moved_out")
SCHEMA_SNAPSHOT = Path(__file__).with_name("schema_drills.json")
TODAY = dt.date(2025, 12, 20)  # inside the term made below, so the sample loaders have held drills to add


def test_models_belong_to_the_drills_app_and_keep_their_tables():
    assert {m._meta.app_label for m in MOVED} == {"drills"}
    assert [m._meta.db_table for m in MOVED] == [
        "campus_drilltype",
        "campus_drillrule",
        "campus_drill",
        "campus_correctiveaction",
        "campus_emergencyplan",
        "campus_emergencyplanversion",
        "campus_activity",
        "campus_attachment",
        "campus_reminder",
    ]
    assert Drill.officers.through._meta.db_table == "campus_drill_officers"
    assert Activity.officers.through._meta.db_table == "campus_activity_officers"
    assert apps.get_app_config("drills").verbose_name == "Drills and emergency plans"
    assert not [m for m in apps.get_app_config("campus").get_models() if m in MOVED]


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", stdout=io.StringIO())  # exits 1 on a change


@pytest.mark.django_db
def test_empty_database_migrated_has_drill_content_types_permissions_and_default_types():
    for model in MOVED:
        content_type = ContentType.objects.get_for_model(model)
        assert content_type.app_label == "drills"
        assert Permission.objects.filter(content_type=content_type).count() == 4
    assert not ContentType.objects.filter(app_label="campus", model__in=[m._meta.model_name for m in MOVED])
    # campus 0006 (a data migration of the models before they moved) still fills in the defaults.
    assert DrillType.objects.filter(builtin=True).count() == 6
    assert DrillRule.objects.exists()


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


class _MovedModels:
    """What campus 0006 asks ``apps`` for, answered with today's models (its labels are from before the move)."""

    @staticmethod
    def get_model(app_label, model_name):
        assert app_label == "campus"
        return apps.get_model("drills", model_name)


def _restore_migration_data():
    """The rows data migrations write, which an earlier transactional test's flush removed."""
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    defaults = importlib.import_module("campus.migrations.0006_default_drill_types_rules")
    defaults.forwards(_MovedModels(), None)


def _ids(model) -> list[int]:
    return sorted(model.objects.values_list("id", flat=True))


@pytest.mark.django_db(transaction=True)
def test_migrating_a_database_with_the_sample_county_keeps_rows_and_moves_content_types(client):
    _restore_migration_data()
    call_command("load_sample_county", stdout=io.StringIO())
    Term.objects.create(school_year="2025-2026", name="Autumn", start_date=dt.date(2025, 9, 1),
                        end_date=dt.date(2026, 1, 16))  # fmt: skip
    assert load_sample_drills(today=TODAY).drills
    load_plans_sample(today=TODAY)
    expected = {m._meta.model_name: _ids(m) for m in MOVED}
    for name in ("drilltype", "drillrule", "drill", "correctiveaction", "emergencyplan", "emergencyplanversion",
                 "activity"):  # fmt: skip
        assert expected[name], f"the sample has no {name}"
    officer_links = {
        "drill": sorted(Drill.officers.through.objects.values_list("drill_id", "officer_id")),
        "activity": sorted(Activity.officers.through.objects.values_list("activity_id", "officer_id")),
    }
    assert officer_links["drill"] and officer_links["activity"]
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        # The database as it was before the move: the models are campus's, and so are their content types.
        old_apps = _migrate([BEFORE_THE_MOVE])
        ContentType.objects.clear_cache()
        assert not old_apps.is_installed("drills") or not old_apps.all_models["drills"]
        OldDrill = old_apps.get_model("campus", "Drill")
        assert sorted(OldDrill.objects.values_list("id", flat=True)) == expected["drill"]
        old_ct = {ct.model: ct.id for ct in ContentType.objects.filter(app_label="campus", model__in=list(expected))}
        assert set(old_ct) == set(expected)
        permissions = {
            model: set(Permission.objects.filter(content_type_id=ct_id).values_list("codename", flat=True))
            for model, ct_id in old_ct.items()
        }
        # A drill recorded before the move, through the old models, with an officer, a photo, a reminder
        # and its audit entry.
        template = OldDrill.objects.filter(officers__isnull=False).first()
        old = OldDrill.objects.create(
            school_id=template.school_id,
            drill_type_id=template.drill_type_id,
            status="done",
            date=template.date,
            scenario="Written before the move",
        )
        old.officers.add(*template.officers.all())
        photo = old_apps.get_model("campus", "Attachment").objects.create(
            kind="photo", name="before.jpg", content_type="image/jpeg", size_bytes=3, content=b"abc", drill_id=old.id
        )
        reminder = old_apps.get_model("campus", "Reminder").objects.create(
            key="move-0001", message="Written before the move", sent_at=timezone.now()
        )
        expected["drill"] = sorted([*expected["drill"], old.id])
        expected["attachment"] = sorted([*expected["attachment"], photo.id])
        expected["reminder"] = sorted([*expected["reminder"], reminder.id])
        officer_links["drill"] = sorted([*officer_links["drill"], *((old.id, o.id) for o in template.officers.all())])
        audit_record(actor=None, action="drill.record", object_type="campus.drill", object_id=old.id)
    finally:
        _migrate(leaves)
        ContentType.objects.clear_cache()

    for model in MOVED:
        assert _ids(model) == expected[model._meta.model_name]
    assert sorted(Drill.officers.through.objects.values_list("drill_id", "officer_id")) == officer_links["drill"]
    assert (
        sorted(Activity.officers.through.objects.values_list("activity_id", "officer_id")) == officer_links["activity"]
    )
    moved = Drill.objects.get(id=old.id)
    assert moved.scenario == "Written before the move"
    assert moved.school.is_sample and moved.officers.exists()
    assert [a.name for a in moved.attachments.all()] == ["before.jpg"]
    moved_ct = {ct.model: ct.id for ct in ContentType.objects.filter(app_label="drills")}
    assert moved_ct == old_ct  # renamed in place: same ids, so the permissions on them stay attached
    for model, ct_id in moved_ct.items():
        assert (
            set(Permission.objects.filter(content_type_id=ct_id).values_list("codename", flat=True))
            == permissions[model]
        )
    assert not ContentType.objects.filter(app_label="campus", model__in=list(expected)).exists()
    assert ContentType.objects.get_for_model(Drill).id == old_ct["drill"]
    entry = AuditLogEntry.objects.get(object_type="campus.drill", object_id=str(old.id))
    assert object_type_current(entry.object_type) == "drills.drill"
    # The entry written before the move is found under the new label, shown with it, and says how it was written.
    client.force_login(make_user(Role.BUREAU_ADMIN))
    page = client.get(reverse("audit_log"), {"object_type": "drills.drill", "object_id": str(old.id)})
    assert list(page.context["page"]) == [entry]
    html = page.content.decode()
    assert f"drills.drill#{old.id}" in html and 'title="Recorded as campus.drill"' in html


@pytest.mark.django_db
def test_new_audit_entries_use_the_new_label(school):
    drill = Drill(id=5, school=school, drill_type=DrillType.objects.get(code="fire"), planned_date=dt.date(2025, 10, 9))
    entry = audit_record(actor=None, action="x", obj=drill)
    assert entry.object_type == "drills.drill"


def test_every_drills_legacy_label_maps_to_a_moved_model():
    drills_labels = {new for new in LEGACY_OBJECT_TYPES.values() if new.startswith("drills.")}
    assert drills_labels == {m._meta.label_lower for m in MOVED}
    for model in MOVED:
        old = f"campus.{model._meta.model_name}"
        assert LEGACY_OBJECT_TYPES[old] == model._meta.label_lower
        assert (
            object_type_aliases(old) == object_type_aliases(model._meta.label_lower) == [model._meta.label_lower, old]
        )


@pytest.mark.django_db
def test_audit_page_and_api_show_entries_written_before_the_move(client):
    old = audit_record(actor=None, action="plan.version_add", object_type="campus.emergencyplan", object_id=41)
    new = audit_record(actor=None, action="plan.version_add", object_type="drills.emergencyplan", object_id=41)
    audit_record(actor=None, action="school.update", object_type="campus.school", object_id=41)
    client.force_login(make_user(Role.BUREAU_ADMIN))

    for label in ("drills.emergencyplan", "campus.emergencyplan"):
        page = client.get(reverse("audit_log"), {"object_type": label})
        assert page.status_code == 200
        assert list(page.context["page"]) == [new, old]
        html = page.content.decode()
        assert html.count("drills.emergencyplan#41") == 2
        assert 'title="Recorded as campus.emergencyplan"' in html
        api = client.get(reverse("api_audit"), {"object_type": label})
        assert [e["id"] for e in api.json()["results"]] == [new.id, old.id]
        # The API returns what was written: the log is a record, not a view.
        assert [e["object_type"] for e in api.json()["results"]] == ["drills.emergencyplan", "campus.emergencyplan"]


def _drills_schema(schema: dict) -> dict:
    """The drills API's paths and every component they reach, as JSON-comparable data."""
    paths = {p: v for p, v in schema["paths"].items() if p.startswith("/api/drills/")}
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
def test_drills_api_schema_is_unchanged_by_the_move(tmp_path):
    """Against ``manage.py spectacular`` run before the move (SQLite, the site's language)."""
    out = tmp_path / "schema.yml"
    with translation.override(settings.LANGUAGE_CODE):
        call_command("spectacular", "--file", str(out))
    current = _drills_schema(yaml.safe_load(out.read_text()))
    assert current["paths"], "no /api/drills/ paths in the schema"
    assert json.loads(SCHEMA_SNAPSHOT.read_text()) == json.loads(json.dumps(current))
