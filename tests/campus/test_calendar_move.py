"""The school calendar (terms, county overrides, school closures) moved from ``patrol`` to ``campus`` untouched.

The tables keep their ``patrol_`` names, the rosters and shifts keep pointing at the same terms, the
content types (and the permissions on them) follow the models, and audit entries written with the old
``patrol.*`` labels stay readable. The migrations run on an empty database (the test database itself)
and on one holding the sample county with its 护学岗 terms, shifts and roster.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import migrations
from django.db.migrations.loader import MigrationLoader

from campus.calendar.days import day_status, school_days
from campus.models import CalendarOverride, SchoolClosure, Term
from common.audit import LEGACY_OBJECT_TYPES, audit_record, object_type_aliases
from patrol.models import DutyShift, Roster
from patrol.sample import AUTUMN, SCHOOL_YEAR
from tests.migrations_helper import (
    ModelMove,
    assert_audit_shows_both_labels,
    assert_models_and_migrations_agree,
    restore_migration_data,
)

MOVED = [Term, CalendarOverride, SchoolClosure]
# Before the move: campus 0009 takes the models over, so going back to campus 0008 also unapplies
# patrol 0004 and campus 0010, which depend on it; patrol 0003 names patrol's state to read it in.
BEFORE_THE_MOVE = [("campus", "0008_drills_moved_out"), ("patrol", "0003_checkin_by_blank")]
MIGRATIONS = {
    "take_over": ("campus", "0009_calendar_from_patrol"),
    "moved_out": ("patrol", "0004_calendar_moved_out"),
    "content_types": ("campus", "0010_content_types_from_patrol"),
}
MOVE = ModelMove(models=MOVED, old_app="patrol", new_app="campus", before=BEFORE_THE_MOVE)


def test_models_belong_to_campus_and_keep_their_tables():
    assert {m._meta.app_label for m in MOVED} == {"campus"}
    assert [m._meta.db_table for m in MOVED] == ["patrol_term", "patrol_calendaroverride", "patrol_schoolclosure"]
    assert DutyShift._meta.get_field("term").related_model is Term
    assert Roster._meta.get_field("term").related_model is Term
    assert not [m for m in apps.get_app_config("patrol").get_models() if m in MOVED]


@pytest.mark.django_db
def test_models_and_migrations_agree():
    assert_models_and_migrations_agree()


def test_migrations_run_in_order_without_a_cycle_and_touch_no_table():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    loader.graph.ensure_not_cyclic()
    plan = loader.graph.forwards_plan(MIGRATIONS["content_types"])
    # campus takes the models over after every patrol migration written against patrol.Term, and
    # before patrol points its foreign keys at campus.term and forgets them.
    assert plan.index(("patrol", "0003_checkin_by_blank")) < plan.index(MIGRATIONS["take_over"])
    assert plan.index(MIGRATIONS["take_over"]) < plan.index(MIGRATIONS["moved_out"])
    assert plan.index(MIGRATIONS["moved_out"]) < plan.index(MIGRATIONS["content_types"])
    for key in ("take_over", "moved_out"):
        operations = loader.get_migration(*MIGRATIONS[key]).operations
        assert [type(op) for op in operations] == [migrations.SeparateDatabaseAndState]
        assert operations[0].database_operations == []
    # No other migration names the calendar's models under patrol's label any more.
    for (app_label, name), migration in loader.disk_migrations.items():
        if (app_label, name) != ("patrol", "0001_initial"):
            assert "patrol.term" not in repr(migration.operations).lower(), (app_label, name)


@pytest.mark.django_db
def test_empty_database_migrated_has_calendar_content_types_and_permissions():
    MOVE.assert_empty_database_migrated()
    term = Term.objects.create(school_year="2026-2027", name="Autumn", start_date=dt.date(2026, 9, 1),
                               end_date=dt.date(2027, 1, 22))  # fmt: skip
    assert Roster.objects.create(term=term).term == term


@pytest.mark.django_db(transaction=True)
def test_migrating_a_database_with_the_sample_county_keeps_rows_and_moves_content_types(client):
    restore_migration_data("patrol.migrations.0002_default_window_rules:add_defaults")
    call_command("load_sample_county", stdout=io.StringIO())
    call_command("load_sample_patrol", "--time-limit", "5", stdout=io.StringIO())
    autumn = Term.objects.get(school_year=SCHOOL_YEAR, name=AUTUMN[0])
    school = DutyShift.objects.filter(term=autumn).select_related("post__gate__school").first().post.gate.school
    CalendarOverride.objects.create(date=dt.date(2027, 1, 4), kind=CalendarOverride.Kind.HOLIDAY, note="County")
    SchoolClosure.objects.create(school=school, start_date=dt.date(2026, 11, 2), end_date=dt.date(2026, 11, 3),
                                 reason="Sports days")  # fmt: skip
    assert Roster.objects.filter(term=autumn).exists()
    expected = MOVE.row_ids()
    for name, ids in expected.items():
        assert ids, f"the sample has no {name}"
    shift_terms = sorted(DutyShift.objects.values_list("id", "term_id"))
    roster_terms = sorted(Roster.objects.values_list("id", "term_id"))
    days_before = school_days(term=autumn, school=school)
    # The database as it was before the move: the models are patrol's, and so are their content types.
    with MOVE.migrated_back() as before:
        old_apps = before.apps
        with pytest.raises(LookupError):
            old_apps.get_model("campus", "Term")
        OldTerm = old_apps.get_model("patrol", "Term")
        assert sorted(OldTerm.objects.values_list("id", flat=True)) == expected["term"]
        # A term, an override and a closure written before the move, through the old models, with a
        # roster on the term and an audit entry under the old label.
        old_term = OldTerm.objects.create(school_year="2027-2028", name="Written before the move",
                                          start_date=dt.date(2027, 9, 1), end_date=dt.date(2028, 1, 21))  # fmt: skip
        old_roster = old_apps.get_model("patrol", "Roster").objects.create(term_id=old_term.id)
        override = old_apps.get_model("patrol", "CalendarOverride").objects.create(
            date=dt.date(2027, 9, 4), kind="workday", note="Written before the move"
        )
        closure = old_apps.get_model("patrol", "SchoolClosure").objects.create(
            school_id=school.id, kind="exam", start_date=dt.date(2027, 9, 6), end_date=dt.date(2027, 9, 6),
            no_duty=False, reason="Written before the move",
        )  # fmt: skip
        expected["term"] = sorted([*expected["term"], old_term.id])
        expected["calendaroverride"] = sorted([*expected["calendaroverride"], override.id])
        expected["schoolclosure"] = sorted([*expected["schoolclosure"], closure.id])
        roster_terms = sorted([*roster_terms, (old_roster.id, old_term.id)])
        audit_record(actor=None, action="term.create", object_type="patrol.term", object_id=old_term.id)

    MOVE.assert_moved(before, expected)
    assert sorted(DutyShift.objects.values_list("id", "term_id")) == shift_terms
    assert sorted(Roster.objects.values_list("id", "term_id")) == roster_terms
    moved = Term.objects.get(id=old_term.id)
    assert moved.name == "Written before the move" and moved.roster.id == old_roster.id
    assert school_days(term=autumn, school=school) == days_before
    # The rows written through the old models count in the calendar read through the new ones.
    assert day_status(day=dt.date(2027, 9, 4)).note == "Written before the move"  # a Saturday, made a school day
    exam = day_status(day=dt.date(2027, 9, 6), school=school)
    assert (exam.kind, exam.has_duty) == ("exam", True)
    # The entry written before the move is found under the new label, shown with it, and says how it was written.
    MOVE.assert_old_audit_entry("patrol.term", old_term.id, client=client)


@pytest.mark.django_db
def test_new_audit_entries_use_the_new_label():
    term = Term(id=7, school_year="2026-2027", name="Autumn", start_date=dt.date(2026, 9, 1),
                end_date=dt.date(2027, 1, 22))  # fmt: skip
    entry = audit_record(actor=None, action="x", obj=term)
    assert entry.object_type == "campus.term"


def test_every_calendar_legacy_label_maps_to_a_moved_model():
    from_patrol = {old: new for old, new in LEGACY_OBJECT_TYPES.items() if old.startswith("patrol.")}
    assert set(from_patrol.values()) == {m._meta.label_lower for m in MOVED}
    for model in MOVED:
        old = f"patrol.{model._meta.model_name}"
        assert from_patrol[old] == model._meta.label_lower
        assert (
            object_type_aliases(old) == object_type_aliases(model._meta.label_lower) == [model._meta.label_lower, old]
        )


@pytest.mark.django_db
def test_audit_page_and_api_show_entries_written_before_the_move(client):
    assert_audit_shows_both_labels(
        client,
        old_label="patrol.schoolclosure",
        new_label="campus.schoolclosure",
        other_label="patrol.dutyshift",
        actions=("closure.add", "closure.add", "shift.build"),
    )
