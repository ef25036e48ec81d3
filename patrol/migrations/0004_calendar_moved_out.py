"""The school calendar moved to the ``campus`` app: point the shifts and the roster at ``campus.term``, forget the models here.

State only: ``patrol_dutyshift.term_id`` and ``patrol_roster.term_id`` keep referencing ``patrol_term``,
the table ``campus.Term`` now owns (``campus/migrations/0009_calendar_from_patrol.py``, which this
migration depends on), so the database is not touched. The foreign keys change first, so that no model
in the state points at one already removed.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('campus', '0009_calendar_from_patrol'),
        ('patrol', '0003_checkin_by_blank'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='dutyshift',
                    name='term',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='shifts', to='campus.term', verbose_name='term'),
                ),
                migrations.AlterField(
                    model_name='roster',
                    name='term',
                    field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='roster', to='campus.term', verbose_name='term'),
                ),
                migrations.DeleteModel(name='SchoolClosure'),
                migrations.DeleteModel(name='CalendarOverride'),
                migrations.DeleteModel(name='Term'),
            ],
            database_operations=[],
        ),
    ]
