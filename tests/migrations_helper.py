"""Shared checks for the tests of a move of models from one app to another (``tests/*/test_*_move.py``).

A move keeps the tables (``db_table`` stays), moves the model state with ``SeparateDatabaseAndState``,
renames the content types in place (same ids, so the permissions stay attached) and maps the old audit
labels (``common.audit.LEGACY_OBJECT_TYPES``). Describe the move once, then check it; for example, for
models ``Batch`` moved from campus to imports::

    MOVE = ModelMove(models=[Batch], old_app="campus", new_app="imports",
                     before=[("campus", "00NN_last_migration_before_the_move")])

    @pytest.mark.django_db
    def test_models_and_migrations_agree():
        assert_models_and_migrations_agree()

    @pytest.mark.django_db
    def test_empty_database_migrated_has_the_content_types_and_permissions():
        MOVE.assert_empty_database_migrated()

    @pytest.mark.django_db(transaction=True)
    def test_migrating_a_database_with_the_sample_county_keeps_rows_and_moves_content_types(client):
        restore_migration_data()  # the role groups (and any data migration named) an earlier flush removed
        call_command("load_sample_county", stdout=io.StringIO())
        expected = MOVE.row_ids()  # {"batch": [sorted ids]}
        with MOVE.migrated_back() as before:  # at ``before`` inside; migrated forward on leaving, even on failure
            OldBatch = before.apps.get_model("campus", "Batch")
            row = OldBatch.objects.create(...)  # written through the old models
            expected["batch"].append(row.id)
            audit_record(actor=None, action="x", object_type="campus.batch", object_id=row.id)
        MOVE.assert_moved(before, expected)  # every row kept; content types renamed in place
        MOVE.assert_old_audit_entry("campus.batch", row.id, client=client)  # read as imports.batch, on the page

    @pytest.mark.django_db
    def test_audit_page_and_api_show_entries_written_before_the_move(client):
        assert_audit_shows_both_labels(client, old_label="campus.batch", new_label="imports.batch",
                                       other_label="campus.school")

    @pytest.mark.skipif(not SCHEMA_SNAPSHOTS_ARE_SQLITES, reason="the snapshot is SQLite's")
    def test_api_schema_is_unchanged_by_the_move(tmp_path):
        assert_api_schema_unchanged("/api/imports/", Path(__file__).with_name("schema_imports.json"), tmp_path)

``migrate(targets)`` and ``ids(model)`` serve the checks a move needs beyond these (rows of other models
pointing at the moved ones, many-to-many tables).
"""

from __future__ import annotations

import importlib
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.apps import apps as global_apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Model
from django.urls import reverse
from django.utils import translation

from common.audit import audit_record, object_type_current
from common.models import AuditLogEntry
from common.roles import Role
from tests.factories import make_user

Target = tuple[str, str]


def migrate(targets: Sequence[Target]):
    """Migrate the test database to ``targets`` (app label, migration name); return that state's apps."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(list(targets))
    return MigrationExecutor(connection).loader.project_state(list(targets)).apps


def ids(model) -> list[int]:
    """The ids of ``model``'s rows, sorted."""
    return sorted(model.objects.values_list("id", flat=True))


class _TodayApps:
    """The ``apps`` a data migration gets, answering labels from before a move with today's models."""

    def __init__(self, renamed: Mapping[str, str]):
        self.renamed = renamed

    def get_model(self, app_label: str, model_name: str):
        if app_label in self.renamed:
            try:
                return global_apps.get_model(self.renamed[app_label], model_name)
            except LookupError:
                pass
        return global_apps.get_model(app_label, model_name)


def restore_migration_data(*functions: str, renamed: Mapping[str, str] | None = None) -> None:
    """Write again the rows data migrations write, which an earlier transactional test's flush removed.

    The role groups always; then each ``"app.migrations.0002_name:function"``, called as the migration
    calls it, ``function(apps, schema_editor)``, with today's models. ``renamed`` maps an app label the
    migration asks for to the app that holds those models now (``{"campus": "drills"}``).
    """
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    for spec in functions:
        module, _, name = spec.partition(":")
        getattr(importlib.import_module(module), name)(_TodayApps(renamed or {}), None)


def assert_models_and_migrations_agree() -> None:
    """``makemigrations --check`` finds nothing to write (it exits 1 on a change)."""
    call_command("makemigrations", "--check", "--dry-run", stdout=io.StringIO())


@dataclass
class OldState:
    """The database as it was before the move, read inside ``ModelMove.migrated_back``.

    ``apps``: the models of that state (``apps.get_model(old_app, "Term")``); ``content_types``: model name
    -> content type id, under the old app label; ``permissions``: model name -> codenames on that content type.
    """

    apps: object
    content_types: dict[str, int]
    permissions: dict[str, set[str]]


@dataclass
class ModelMove:
    """``models`` moved from ``old_app`` to ``new_app``; ``before`` are migration targets before the move."""

    models: Sequence[type[Model]]
    old_app: str
    new_app: str
    before: Sequence[Target]

    @property
    def model_names(self) -> list[str]:
        return [m._meta.model_name for m in self.models]

    def row_ids(self) -> dict[str, list[int]]:
        """Model name -> the sorted ids of its rows."""
        return {m._meta.model_name: ids(m) for m in self.models}

    def assert_empty_database_migrated(self) -> None:
        """On the test database (migrated from empty): content types under the new label, four permissions
        each, none left under the old one."""
        for model in self.models:
            content_type = ContentType.objects.get_for_model(model)
            assert content_type.app_label == self.new_app
            assert Permission.objects.filter(content_type=content_type).count() == 4
        assert not ContentType.objects.filter(app_label=self.old_app, model__in=self.model_names)

    @contextmanager
    def migrated_back(self) -> Iterator[OldState]:
        """Migrate back to ``before`` for the block, then forward to the latest migrations, even on failure.

        Before yielding, checks that every moved model has its content type under the old app label.
        """
        leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
        try:
            old_apps = migrate(self.before)
            ContentType.objects.clear_cache()
            content_types = {
                ct.model: ct.id for ct in ContentType.objects.filter(app_label=self.old_app, model__in=self.model_names)
            }
            assert set(content_types) == set(self.model_names)
            permissions = {
                model: set(Permission.objects.filter(content_type_id=ct_id).values_list("codename", flat=True))
                for model, ct_id in content_types.items()
            }
            yield OldState(apps=old_apps, content_types=content_types, permissions=permissions)
        finally:
            migrate(leaves)
            ContentType.objects.clear_cache()

    def _new_content_types(self) -> dict[str, int]:
        content_types = ContentType.objects.filter(app_label=self.new_app)
        if not set(global_apps.get_app_config(self.new_app).get_models()) <= set(self.models):
            # The app holds other models too: compare the moved ones only.
            content_types = content_types.filter(model__in=self.model_names)
        return {ct.model: ct.id for ct in content_types}

    def assert_moved(self, old: OldState, expected: Mapping[str, list[int]]) -> None:
        """After ``migrated_back``: every moved model has exactly the ``expected`` row ids; the content types
        were renamed in place (same ids, same permissions; where the new app holds only the moved models, it
        has no other content type); none is left under the old label."""
        for model in self.models:
            assert ids(model) == sorted(expected[model._meta.model_name]), model._meta.label
        moved = self._new_content_types()
        assert moved == old.content_types  # renamed in place: same ids, so the permissions on them stay attached
        for model, ct_id in moved.items():
            codenames = set(Permission.objects.filter(content_type_id=ct_id).values_list("codename", flat=True))
            assert codenames == old.permissions[model], model
        assert not ContentType.objects.filter(app_label=self.old_app, model__in=self.model_names).exists()
        for model in self.models:
            assert ContentType.objects.get_for_model(model).id == old.content_types[model._meta.model_name]

    def assert_old_audit_entry(self, object_type: str, object_id, *, client=None) -> AuditLogEntry:
        """The audit entry written under the old label ``object_type`` reads as the moved model's label.

        With ``client``: a bureau admin finds it on the audit page under the new label, shown with it and
        saying how it was recorded (the page in English).
        """
        entry = AuditLogEntry.objects.get(object_type=object_type, object_id=str(object_id))
        new_label = f"{self.new_app}.{object_type.split('.', 1)[1]}"
        assert object_type_current(entry.object_type) == new_label
        if client is not None:
            client.force_login(make_user(Role.BUREAU_ADMIN))
            client.post(reverse("set_language"), {"language": "en", "next": reverse("audit_log")})
            page = client.get(reverse("audit_log"), {"object_type": new_label, "object_id": str(object_id)})
            assert list(page.context["page"]) == [entry]
            html = page.content.decode()
            assert f"{new_label}#{object_id}" in html and f'title="Recorded as {object_type}"' in html
        return entry


def assert_audit_shows_both_labels(
    client, *, old_label: str, new_label: str, other_label: str, actions: Sequence[str] = ("x", "x", "x")
) -> None:
    """Entries written under ``old_label`` and ``new_label`` for one object are listed together, newest
    first, whichever label the page or the API is asked for; the page shows the new label and says how each
    was recorded; the API returns what was written. ``other_label`` (an entry for another model with the
    same id) is not listed. ``actions``: of the old, new and other entries."""
    old = audit_record(actor=None, action=actions[0], object_type=old_label, object_id=41)
    new = audit_record(actor=None, action=actions[1], object_type=new_label, object_id=41)
    audit_record(actor=None, action=actions[2], object_type=other_label, object_id=41)
    client.force_login(make_user(Role.BUREAU_ADMIN))
    client.post(reverse("set_language"), {"language": "en", "next": reverse("audit_log")})

    for label in (new_label, old_label):
        page = client.get(reverse("audit_log"), {"object_type": label})
        assert page.status_code == 200
        assert list(page.context["page"]) == [new, old]
        html = page.content.decode()
        assert html.count(f"{new_label}#41") == 2
        assert f'title="Recorded as {old_label}"' in html
        api = client.get(reverse("api_audit"), {"object_type": label})
        assert [e["id"] for e in api.json()["results"]] == [new.id, old.id]
        # The API returns what was written: the log is a record, not a view.
        assert [e["object_type"] for e in api.json()["results"]] == [new_label, old_label]


def api_schema_part(schema: dict, prefix: str) -> dict:
    """The API paths under ``prefix`` and every component they reach, as JSON-comparable data."""
    paths = {p: v for p, v in schema["paths"].items() if p.startswith(prefix)}
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


SCHEMA_SNAPSHOTS_ARE_SQLITES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"


def assert_api_schema_unchanged(prefix: str, snapshot: Path, tmp_path: Path) -> None:
    """The schema part under ``prefix`` equals ``snapshot``, taken with ``manage.py spectacular`` before the
    move (SQLite, the site's language). Skip it elsewhere: ``SCHEMA_SNAPSHOTS_ARE_SQLITES``."""
    out = tmp_path / "schema.yml"
    with translation.override(settings.LANGUAGE_CODE):
        call_command("spectacular", "--file", str(out))
    current = api_schema_part(yaml.safe_load(out.read_text()), prefix)
    assert current["paths"], f"no {prefix} paths in the schema"
    assert json.loads(snapshot.read_text()) == json.loads(json.dumps(current))
