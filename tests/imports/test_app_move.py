"""Import batches moved from ``campus`` to the ``imports`` app untouched.

The table keeps its ``campus_importbatch`` name, the content type (and the permissions on it) follows the
model, and audit entries written with the old ``campus.importbatch`` label stay readable. The migrations
run on an empty database (the test database itself) and on one holding the sample county with batches
written before the move. The kinds are no longer an enum of other apps' kinds: campus and drones
register theirs, and ``ImportBatch.kind`` is validated against the registry.
"""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import migrations
from django.db.migrations.loader import MigrationLoader

from common.audit import LEGACY_OBJECT_TYPES, audit_record, object_type_aliases
from imports import services
from imports.models import ImportBatch
from imports.registry import KINDS
from tests.migrations_helper import (
    ModelMove,
    assert_audit_shows_both_labels,
    assert_models_and_migrations_agree,
    restore_migration_data,
)

MIGRATIONS = {
    "moved_out": ("campus", "0011_importbatch_moved_out"),
    "take_over": ("imports", "0001_initial"),
    "content_types": ("imports", "0002_content_types_from_campus"),
}
MOVE = ModelMove(
    models=[ImportBatch], old_app="campus", new_app="imports", before=[("campus", "0010_content_types_from_patrol")]
)


def test_the_model_belongs_to_imports_and_keeps_its_table():
    assert ImportBatch._meta.app_label == "imports"
    assert ImportBatch._meta.db_table == "campus_importbatch"
    assert ImportBatch not in apps.get_app_config("campus").get_models()


def test_the_apps_register_their_kinds_in_order():
    assert list(KINDS) == [
        "schools",
        "gates",
        "stations",
        "jurisdictions",
        "zones",
        "departments",
        "officers",
        "liaisons",
        "airspace",
        "markets",
    ]
    assert {type(k).__module__.split(".")[0] for k in KINDS.values()} == {"campus", "drones"}


@pytest.mark.django_db
def test_a_kind_no_app_registers_is_refused_by_the_model_and_the_service():
    batch = ImportBatch(kind="parcels", crs="wgs84", filename="x.csv", sha256="0" * 64, size_bytes=1, content=b"x")
    with pytest.raises(ValidationError) as error:
        batch.full_clean()
    assert "parcels" in str(error.value) and "schools" in str(error.value)
    with pytest.raises(services.ImportRejected, match="Unknown kind “parcels”"):
        services.import_batch_preview(kind="parcels", crs="wgs84", filename="x.csv", content=b"a\r\n", system=True)
    assert ImportBatch(kind="parcels").get_kind_display() == "parcels"  # an old row of a kind gone still reads
    assert ImportBatch(kind="markets").get_kind_display() == "Markets"


@pytest.mark.django_db
def test_models_and_migrations_agree():
    assert_models_and_migrations_agree()


def test_migrations_run_in_order_and_touch_no_table():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    loader.graph.ensure_not_cyclic()
    plan = loader.graph.forwards_plan(MIGRATIONS["content_types"])
    assert plan.index(("campus", "0003_importbatch_airspace_kinds")) < plan.index(MIGRATIONS["moved_out"])
    assert plan.index(MIGRATIONS["moved_out"]) < plan.index(MIGRATIONS["take_over"])
    assert plan.index(MIGRATIONS["take_over"]) < plan.index(MIGRATIONS["content_types"])
    for key in ("moved_out", "take_over"):
        operations = loader.get_migration(*MIGRATIONS[key]).operations
        assert [type(op) for op in operations] == [migrations.SeparateDatabaseAndState]
        assert operations[0].database_operations == []


@pytest.mark.django_db
def test_empty_database_migrated_has_the_content_type_and_permissions():
    MOVE.assert_empty_database_migrated()


@pytest.mark.django_db(transaction=True)
def test_migrating_a_database_with_the_sample_county_keeps_batches_and_moves_the_content_type(client):
    restore_migration_data()
    call_command("load_sample_county", stdout=io.StringIO())
    services.import_batch_run(
        kind="departments", crs="wgs84", filename="d.csv", content=b"code,name\r\nD97,X\r\n", system=True
    )
    expected = MOVE.row_ids()
    assert expected["importbatch"], "no batch to move"
    with MOVE.migrated_back() as before:
        OldBatch = before.apps.get_model("campus", "ImportBatch")
        with pytest.raises(LookupError):
            before.apps.get_model("imports", "ImportBatch")
        old = OldBatch.objects.create(
            kind="markets", crs="gcj02", filename="written before the move.geojson", sha256="1" * 64,
            size_bytes=2, content=b"{}", status="failed",
        )  # fmt: skip
        expected["importbatch"] = sorted([*expected["importbatch"], old.id])
        audit_record(actor=None, action="import.apply", object_type="campus.importbatch", object_id=old.id)
    MOVE.assert_moved(before, expected)
    moved = ImportBatch.objects.get(id=old.id)
    assert (moved.kind, moved.get_kind_display(), moved.filename) == (
        "markets",
        "Markets",
        "written before the move.geojson",
    )
    MOVE.assert_old_audit_entry("campus.importbatch", old.id, client=client)


def test_the_old_label_maps_to_the_moved_model():
    assert LEGACY_OBJECT_TYPES["campus.importbatch"] == "imports.importbatch"
    assert object_type_aliases("campus.importbatch") == ["imports.importbatch", "campus.importbatch"]


@pytest.mark.django_db
def test_audit_page_and_api_show_entries_written_before_the_move(client):
    assert_audit_shows_both_labels(
        client, old_label="campus.importbatch", new_label="imports.importbatch", other_label="campus.school"
    )
