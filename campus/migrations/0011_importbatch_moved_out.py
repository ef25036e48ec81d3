"""Import batches moved to the ``imports`` app: forget the model here, keep its table.

State only: the table ``campus_importbatch`` stays as it is and is taken over by
``imports/migrations/0001_initial.py``, which depends on this migration.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("campus", "0010_content_types_from_patrol"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ImportBatch")],
            database_operations=[],
        ),
    ]
