"""The incident models, taken over from the ``campus`` app with their tables (``campus_incident``...).

State only: the tables, indexes and constraints were created by ``campus/migrations/0004_incidents.py``
and keep their names (``db_table`` in each model's Meta), so existing rows stay where they are. On an
empty database 0004 still creates them, before this migration runs.
"""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('campus', '0007_incidents_moved_out'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Incident',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('reference', models.CharField(max_length=32, unique=True, verbose_name='reference')),
                        ('category', models.CharField(choices=[('intruder', 'Intruder'), ('fight', 'Fight or bullying'), ('suspicious', 'Suspicious person'), ('traffic', 'Traffic danger at the gate'), ('injury', 'Injury'), ('fire', 'Fire'), ('theft', 'Theft'), ('fraud', 'Fraud attempt'), ('other', 'Other')], max_length=16, verbose_name='category')),
                        ('severity', models.CharField(choices=[('low', 'Low'), ('medium', 'Medium'), ('high', 'High'), ('urgent', 'Urgent')], max_length=8, verbose_name='severity')),
                        ('lat', models.FloatField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(-90.0), django.core.validators.MaxValueValidator(90.0)], verbose_name='latitude')),
                        ('lon', models.FloatField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(-180.0), django.core.validators.MaxValueValidator(180.0)], verbose_name='longitude')),
                        ('location_note', models.CharField(blank=True, max_length=200, verbose_name='where on campus')),
                        ('occurred_at', models.DateTimeField(verbose_name='time of the incident')),
                        ('description', models.TextField(max_length=4000, verbose_name='description')),
                        ('reporter_name', models.CharField(max_length=50, verbose_name="reporter's name")),
                        ('reporter_phone', models.CharField(blank=True, max_length=32, verbose_name="reporter's phone")),
                        ('idempotency_key', models.CharField(max_length=80, verbose_name='idempotency key')),
                        ('body_hash', models.CharField(max_length=64, verbose_name='request fingerprint')),
                        ('status', models.CharField(choices=[('reported', 'Reported'), ('acknowledged', 'Acknowledged'), ('on_scene', 'On scene'), ('resolved', 'Resolved'), ('closed', 'Closed')], default='reported', max_length=16, verbose_name='status')),
                        ('created_at', models.DateTimeField(verbose_name='reported at')),
                        ('acknowledged_at', models.DateTimeField(blank=True, null=True, verbose_name='acknowledged at')),
                        ('on_scene_at', models.DateTimeField(blank=True, null=True, verbose_name='on scene at')),
                        ('resolved_at', models.DateTimeField(blank=True, null=True, verbose_name='resolved at')),
                        ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed at')),
                        ('escalation', models.PositiveSmallIntegerField(choices=[(0, 'Not escalated'), (1, 'Station head'), (2, 'Patrol brigade')], default=0, verbose_name='escalated to')),
                        ('escalated_at', models.DateTimeField(blank=True, null=True, verbose_name='escalated at')),
                        ('is_sample', models.BooleanField(default=False, verbose_name='sample data')),
                        ('gate', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='incidents', to='campus.gate', verbose_name='gate')),
                        ('liaison_officer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='incidents', to='campus.officer', verbose_name='liaison officer')),
                        ('reporter', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='incidents_reported', to=settings.AUTH_USER_MODEL, verbose_name='reporter')),
                        ('school', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='incidents', to='campus.school', verbose_name='school')),
                        ('station', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='incidents', to='campus.station', verbose_name='station')),
                    ],
                    options={
                        'verbose_name': 'incident report',
                        'verbose_name_plural': 'incident reports',
                        'db_table': 'campus_incident',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='FollowUp',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('done', 'Done')], default='pending', max_length=8, verbose_name='status')),
                        ('due_at', models.DateTimeField(verbose_name='due')),
                        ('satisfaction', models.CharField(blank=True, choices=[('satisfied', 'Satisfied'), ('basically', 'Basically satisfied'), ('unsatisfied', 'Unsatisfied')], max_length=16, verbose_name='satisfaction')),
                        ('comment', models.TextField(blank=True, max_length=2000, verbose_name='comment')),
                        ('channel', models.CharField(blank=True, choices=[('reporter', 'The reporter, in the system'), ('call', 'Bureau follow-up call')], max_length=8, verbose_name='by')),
                        ('done_at', models.DateTimeField(blank=True, null=True, verbose_name='done at')),
                        ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorded by')),
                        ('incident', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='follow_up', to='incidents.incident', verbose_name='incident')),
                    ],
                    options={
                        'verbose_name': 'follow-up',
                        'verbose_name_plural': 'follow-ups',
                        'db_table': 'campus_followup',
                        'ordering': ['due_at'],
                    },
                ),
                migrations.CreateModel(
                    name='IncidentEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('reported', 'Reported'), ('routed', 'Routed'), ('status', 'Status changed'), ('comment', 'Comment'), ('escalated', 'Escalated'), ('follow_up', 'Follow-up'), ('rectification', 'Rectification')], max_length=16, verbose_name='kind')),
                        ('from_status', models.CharField(blank=True, choices=[('reported', 'Reported'), ('acknowledged', 'Acknowledged'), ('on_scene', 'On scene'), ('resolved', 'Resolved'), ('closed', 'Closed')], max_length=16, verbose_name='from')),
                        ('to_status', models.CharField(blank=True, choices=[('reported', 'Reported'), ('acknowledged', 'Acknowledged'), ('on_scene', 'On scene'), ('resolved', 'Resolved'), ('closed', 'Closed')], max_length=16, verbose_name='to')),
                        ('text', models.TextField(blank=True, max_length=4000, verbose_name='text')),
                        ('actor_name', models.CharField(max_length=150, verbose_name='by (name)')),
                        ('at', models.DateTimeField(verbose_name='at')),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                        ('incident', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='incidents.incident', verbose_name='incident')),
                    ],
                    options={
                        'verbose_name': 'incident event',
                        'verbose_name_plural': 'incident events',
                        'db_table': 'campus_incidentevent',
                        'ordering': ['at', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='IncidentPhoto',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('image', models.BinaryField(verbose_name='image')),
                        ('content_type', models.CharField(default='image/jpeg', max_length=32, verbose_name='content type')),
                        ('width', models.PositiveIntegerField(verbose_name='width')),
                        ('height', models.PositiveIntegerField(verbose_name='height')),
                        ('size_bytes', models.PositiveIntegerField(verbose_name='size in bytes')),
                        ('original_name', models.CharField(blank=True, max_length=200, verbose_name='original file name')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='uploaded at')),
                        ('incident', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='photos', to='incidents.incident', verbose_name='incident')),
                        ('uploaded_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='uploaded by')),
                    ],
                    options={
                        'verbose_name': 'incident photo',
                        'verbose_name_plural': 'incident photos',
                        'db_table': 'campus_incidentphoto',
                        'ordering': ['id'],
                    },
                ),
                migrations.CreateModel(
                    name='Rectification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('problem', models.TextField(max_length=2000, verbose_name='problem')),
                        ('status', models.CharField(choices=[('open', 'Open'), ('cleared', 'Cleared')], default='open', max_length=8, verbose_name='status')),
                        ('due_date', models.DateField(verbose_name='due date')),
                        ('action_taken', models.TextField(blank=True, max_length=2000, verbose_name='action taken')),
                        ('created_at', models.DateTimeField(verbose_name='created at')),
                        ('cleared_at', models.DateTimeField(blank=True, null=True, verbose_name='cleared at')),
                        ('cleared_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='cleared by')),
                        ('incident', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rectifications', to='incidents.incident', verbose_name='incident')),
                        ('station', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='rectifications', to='campus.station', verbose_name='responsible unit')),
                    ],
                    options={
                        'verbose_name': 'rectification item',
                        'verbose_name_plural': 'rectification items',
                        'db_table': 'campus_rectification',
                        'ordering': ['status', 'due_date'],
                    },
                ),
                migrations.AddIndex(
                    model_name='incident',
                    index=models.Index(fields=['school', 'created_at'], name='campus_inci_school__6646af_idx'),
                ),
                migrations.AddIndex(
                    model_name='incident',
                    index=models.Index(fields=['station', 'status'], name='campus_inci_station_9a6052_idx'),
                ),
                migrations.AddIndex(
                    model_name='incident',
                    index=models.Index(fields=['status', 'created_at'], name='campus_inci_status_0caced_idx'),
                ),
                migrations.AddConstraint(
                    model_name='incident',
                    constraint=models.UniqueConstraint(fields=('reporter', 'idempotency_key'), name='incident_unique_idempotency_key'),
                ),
                migrations.AddConstraint(
                    model_name='followup',
                    constraint=models.CheckConstraint(condition=models.Q(('status', 'pending'), models.Q(('satisfaction', ''), _negated=True), _connector='OR'), name='followup_done_has_satisfaction'),
                ),
            ],
            database_operations=[],
        ),
    ]
