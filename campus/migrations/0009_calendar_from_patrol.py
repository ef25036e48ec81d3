"""The school calendar (terms, county overrides, school closures), taken over from the ``patrol`` app with its tables.

State only: the tables (``patrol_term``, ``patrol_calendaroverride``, ``patrol_schoolclosure``), their
indexes and constraints were created by ``patrol/migrations/0001_initial.py`` and keep their names
(``db_table`` in each model's Meta), so existing rows stay where they are. On an empty database patrol
0001 still creates them before this migration runs.

The order is the reverse of the moves out of campus: these models must exist in campus's state before
``patrol/migrations/0004_calendar_moved_out.py`` points the roster's and the shifts' ``term`` at
``campus.term`` and forgets ``patrol.term``; that migration depends on this one.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('campus', '0008_drills_moved_out'),
        ('patrol', '0003_checkin_by_blank'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='CalendarOverride',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('date', models.DateField(unique=True, verbose_name='date')),
                        ('kind', models.CharField(choices=[('holiday', 'Holiday (no school)'), ('workday', 'Make-up school day')], max_length=8, verbose_name='kind')),
                        ('note', models.CharField(blank=True, max_length=200, verbose_name='note')),
                    ],
                    options={
                        'verbose_name': 'calendar override',
                        'verbose_name_plural': 'calendar overrides',
                        'db_table': 'patrol_calendaroverride',
                        'ordering': ['date'],
                    },
                ),
                migrations.CreateModel(
                    name='Term',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('school_year', models.CharField(help_text='For example 2026-2027.', max_length=9, verbose_name='school year')),
                        ('name', models.CharField(max_length=50, verbose_name='name')),
                        ('start_date', models.DateField(verbose_name='first day')),
                        ('end_date', models.DateField(verbose_name='last day')),
                        ('is_sample', models.BooleanField(default=False, verbose_name='sample data')),
                    ],
                    options={
                        'verbose_name': 'term',
                        'verbose_name_plural': 'terms',
                        'db_table': 'patrol_term',
                        'ordering': ['-start_date'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('end_date__gte', models.F('start_date'))), name='term_ends_after_start'), models.UniqueConstraint(fields=('school_year', 'name'), name='term_unique_name_per_year')],
                    },
                ),
                migrations.CreateModel(
                    name='SchoolClosure',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('closure', 'Closure'), ('exam', 'Exam days')], default='closure', max_length=8, verbose_name='kind')),
                        ('start_date', models.DateField(verbose_name='first day')),
                        ('end_date', models.DateField(verbose_name='last day')),
                        ('reason', models.CharField(blank=True, max_length=200, verbose_name='reason')),
                        ('no_duty', models.BooleanField(default=True, help_text='Exam days may keep their duty windows; closures do not.', verbose_name='no gate duty')),
                        ('school', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='closures', to='campus.school', verbose_name='school')),
                    ],
                    options={
                        'verbose_name': 'school closure',
                        'verbose_name_plural': 'school closures',
                        'db_table': 'patrol_schoolclosure',
                        'ordering': ['start_date'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('end_date__gte', models.F('start_date'))), name='closure_ends_after_start')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
