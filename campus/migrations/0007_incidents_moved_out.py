"""Incident reports moved to the ``incidents`` app: forget their models here, keep their tables.

State only: the tables (``campus_incident``...) stay as they are and are taken over by
``incidents/migrations/0001_initial.py``, which depends on this migration. Dependants first,
so that no model in the state points at one already removed.
"""

from django.db import migrations

INCIDENT_MODELS_DEPENDANTS_FIRST = ["FollowUp", "IncidentEvent", "IncidentPhoto", "Rectification", "Incident"]


class Migration(migrations.Migration):

    dependencies = [
        ("campus", "0006_default_drill_types_rules"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name=name) for name in INCIDENT_MODELS_DEPENDANTS_FIRST],
            database_operations=[],
        ),
    ]
