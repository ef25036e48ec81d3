"""Drills, plans and activities moved from ``campus/drills/`` to the ``drills`` app without touching their data.

The tables keep their names (and so do the officers' many-to-many tables), the content types (and the
permissions on them) follow the models, and audit entries written with the old ``campus.*`` labels stay
readable. The migrations run on an empty database (the test database itself) and on one holding the
sample county with its drills, plans and activities.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from campus.models import Term
from common.audit import LEGACY_OBJECT_TYPES, audit_record, object_type_aliases
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
from drills.plans.sample import load_plans_sample
from drills.sample import load_sample_drills
from tests.migrations_helper import (
    SCHEMA_SNAPSHOTS_ARE_SQLITES,
    ModelMove,
    assert_api_schema_unchanged,
    assert_audit_shows_both_labels,
    assert_models_and_migrations_agree,
    restore_migration_data,
)

MOVED = [DrillType, DrillRule, Drill, CorrectiveAction, EmergencyPlan, EmergencyPlanVersion, Activity, Attachment,
         Reminder]  # fmt: skip
BEFORE_THE_MOVE = ("campus", "0007_incidents_moved_out")
MOVE = ModelMove(models=MOVED, old_app="campus", new_app="drills", before=[BEFORE_THE_MOVE])
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
    assert_models_and_migrations_agree()


@pytest.mark.django_db
def test_empty_database_migrated_has_drill_content_types_permissions_and_default_types():
    MOVE.assert_empty_database_migrated()
    # campus 0006 (a data migration of the models before they moved) still fills in the defaults.
    assert DrillType.objects.filter(builtin=True).count() == 6
    assert DrillRule.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_migrating_a_database_with_the_sample_county_keeps_rows_and_moves_content_types(client):
    # campus 0006 (written before the move) asks for campus's drill types and rules: today's drills models.
    restore_migration_data("campus.migrations.0006_default_drill_types_rules:forwards", renamed={"campus": "drills"})
    call_command("load_sample_county", stdout=io.StringIO())
    Term.objects.create(school_year="2025-2026", name="Autumn", start_date=dt.date(2025, 9, 1),
                        end_date=dt.date(2026, 1, 16))  # fmt: skip
    assert load_sample_drills(today=TODAY).drills
    load_plans_sample(today=TODAY)
    expected = MOVE.row_ids()
    for name in ("drilltype", "drillrule", "drill", "correctiveaction", "emergencyplan", "emergencyplanversion",
                 "activity"):  # fmt: skip
        assert expected[name], f"the sample has no {name}"
    officer_links = {
        "drill": sorted(Drill.officers.through.objects.values_list("drill_id", "officer_id")),
        "activity": sorted(Activity.officers.through.objects.values_list("activity_id", "officer_id")),
    }
    assert officer_links["drill"] and officer_links["activity"]
    # The database as it was before the move: the models are campus's, and so are their content types.
    with MOVE.migrated_back() as before:
        old_apps = before.apps
        assert not old_apps.is_installed("drills") or not old_apps.all_models["drills"]
        OldDrill = old_apps.get_model("campus", "Drill")
        assert sorted(OldDrill.objects.values_list("id", flat=True)) == expected["drill"]
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

    MOVE.assert_moved(before, expected)
    assert sorted(Drill.officers.through.objects.values_list("drill_id", "officer_id")) == officer_links["drill"]
    assert (
        sorted(Activity.officers.through.objects.values_list("activity_id", "officer_id")) == officer_links["activity"]
    )
    moved = Drill.objects.get(id=old.id)
    assert moved.scenario == "Written before the move"
    assert moved.school.is_sample and moved.officers.exists()
    assert [a.name for a in moved.attachments.all()] == ["before.jpg"]
    # The entry written before the move is found under the new label, shown with it, and says how it was written.
    MOVE.assert_old_audit_entry("campus.drill", old.id, client=client)


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
    assert_audit_shows_both_labels(
        client,
        old_label="campus.emergencyplan",
        new_label="drills.emergencyplan",
        other_label="campus.school",
        actions=("plan.version_add", "plan.version_add", "school.update"),
    )


@pytest.mark.skipif(
    not SCHEMA_SNAPSHOTS_ARE_SQLITES,
    reason="integer limits in the schema come from the database backend; the snapshot is SQLite's",
)
def test_drills_api_schema_is_unchanged_by_the_move(tmp_path):
    """Against ``manage.py spectacular`` run before the move (SQLite, the site's language)."""
    assert_api_schema_unchanged("/api/drills/", SCHEMA_SNAPSHOT, tmp_path)
