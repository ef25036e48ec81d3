"""An index on the shifts' date: the board of a day, the overview's duty counts and the statistics filter
by date without a term, which the (term, date) index cannot serve."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("patrol", "0004_calendar_moved_out"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="dutyshift",
            index=models.Index(fields=["date"], name="patrol_shift_date_idx"),
        ),
    ]
