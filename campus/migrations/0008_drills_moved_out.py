"""Drills, emergency plans and activities moved to the ``drills`` app: forget their models here, keep their tables.

State only: the tables (``campus_drill``, ``campus_activity``...) and the many-to-many tables of the
officers (``campus_drill_officers``, ``campus_activity_officers``) stay as they are and are taken over
by ``drills/migrations/0001_initial.py``, which depends on this migration. Dependants first, so that
no model in the state points at one already removed.
"""

from django.db import migrations

DRILL_MODELS_DEPENDANTS_FIRST = [
    "Attachment",
    "CorrectiveAction",
    "EmergencyPlanVersion",
    "EmergencyPlan",
    "Activity",
    "Drill",
    "DrillRule",
    "DrillType",
    "Reminder",
]


class Migration(migrations.Migration):

    dependencies = [
        ("campus", "0007_incidents_moved_out"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name=name) for name in DRILL_MODELS_DEPENDANTS_FIRST],
            database_operations=[],
        ),
    ]
