"""The drill, emergency plan and activity models, taken over from the ``campus`` app with their tables.

State only: the tables (``campus_drill``, ``campus_activity``...), the officers' many-to-many tables
(``campus_drill_officers``, ``campus_activity_officers``, named after ``db_table``), indexes and
constraints were created by ``campus/migrations/0005_drills_plans_activities.py`` and keep their names
(``db_table`` in each model's Meta), so existing rows stay where they are. On an empty database 0005
still creates them, and 0006 fills in the built-in drill types and rules, before this migration runs.
"""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('campus', '0008_drills_moved_out'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='DrillType',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.SlugField(max_length=32, unique=True, verbose_name='code')),
                        ('name', models.CharField(max_length=100, verbose_name='name')),
                        ('builtin', models.BooleanField(default=False, verbose_name='built in')),
                        ('active', models.BooleanField(default=True, verbose_name='active')),
                        ('evacuation', models.BooleanField(default=False, help_text='Records of this type give an evacuation time.', verbose_name='measures evacuation time')),
                        ('target_evacuation_s', models.PositiveIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1)], verbose_name='target evacuation time (s)')),
                    ],
                    options={
                        'verbose_name': 'drill type',
                        'verbose_name_plural': 'drill types',
                        'db_table': 'campus_drilltype',
                        'ordering': ['-builtin', 'name'],
                    },
                ),
                migrations.CreateModel(
                    name='Activity',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('legal_education', 'Legal education in school (法制教育进校园)'), ('anti_fraud', 'Anti-fraud publicity in school (反诈宣传进校园)'), ('open_day', 'Teachers and pupils visit the police (邀请师生进警营)'), ('liaison_visit', "Liaison officer's visit"), ('other', 'Other')], max_length=16, verbose_name='kind')),
                        ('date', models.DateField(verbose_name='date')),
                        ('title', models.CharField(max_length=200, verbose_name='title')),
                        ('audience', models.PositiveIntegerField(default=0, validators=[django.core.validators.MaxValueValidator(100000)], verbose_name='audience size')),
                        ('notes', models.TextField(blank=True, max_length=4000, verbose_name='notes')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='recorded at')),
                        ('is_sample', models.BooleanField(default=False, verbose_name='sample data')),
                        ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorded by')),
                        ('officers', models.ManyToManyField(blank=True, related_name='activities', to='campus.officer', verbose_name='officers')),
                        ('school', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='activities', to='campus.school', verbose_name='school')),
                        ('station', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='activities', to='campus.station', verbose_name='station')),
                    ],
                    options={
                        'verbose_name': 'police-school activity',
                        'verbose_name_plural': 'police-school activities',
                        'db_table': 'campus_activity',
                        'ordering': ['-date', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='Drill',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('status', models.CharField(choices=[('planned', 'Planned'), ('done', 'Held'), ('cancelled', 'Cancelled')], default='planned', max_length=16, verbose_name='status')),
                        ('planned_date', models.DateField(blank=True, null=True, verbose_name='planned date')),
                        ('date', models.DateField(blank=True, null=True, verbose_name='date held')),
                        ('police_required', models.BooleanField(default=False, verbose_name='police take part')),
                        ('scenario', models.TextField(blank=True, max_length=4000, verbose_name='scenario')),
                        ('participants', models.PositiveIntegerField(blank=True, null=True, verbose_name='participants')),
                        ('evacuation_s', models.PositiveIntegerField(blank=True, null=True, verbose_name='evacuation time (s)')),
                        ('evacuation_target_s', models.PositiveIntegerField(blank=True, null=True, verbose_name='target evacuation time (s)')),
                        ('problems', models.TextField(blank=True, max_length=4000, verbose_name='problems found')),
                        ('liaison_notified_at', models.DateTimeField(blank=True, null=True, verbose_name='liaison officer notified at')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('recorded_at', models.DateTimeField(blank=True, null=True, verbose_name='recorded at')),
                        ('is_sample', models.BooleanField(default=False, verbose_name='sample data')),
                        ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                        ('officers', models.ManyToManyField(blank=True, related_name='drills', to='campus.officer', verbose_name='officers taking part')),
                        ('school', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='drills', to='campus.school', verbose_name='school')),
                        ('drill_type', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='drills', to='drills.drilltype', verbose_name='drill type')),
                    ],
                    options={
                        'verbose_name': 'drill',
                        'verbose_name_plural': 'drills',
                        'db_table': 'campus_drill',
                        'ordering': ['-date', '-planned_date', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='CorrectiveAction',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('description', models.CharField(max_length=500, verbose_name='action')),
                        ('owner', models.CharField(max_length=100, verbose_name='owner')),
                        ('due_date', models.DateField(verbose_name='due date')),
                        ('status', models.CharField(choices=[('open', 'Open'), ('done', 'Done')], default='open', max_length=8, verbose_name='status')),
                        ('done_at', models.DateTimeField(blank=True, null=True, verbose_name='done at')),
                        ('done_note', models.CharField(blank=True, max_length=500, verbose_name='what was done')),
                        ('drill', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='corrective_actions', to='drills.drill', verbose_name='drill')),
                    ],
                    options={
                        'verbose_name': 'corrective action',
                        'verbose_name_plural': 'corrective actions',
                        'db_table': 'campus_correctiveaction',
                        'ordering': ['status', 'due_date'],
                    },
                ),
                migrations.CreateModel(
                    name='DrillRule',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('levels', models.JSONField(blank=True, default=list, help_text='Empty: every level.', verbose_name='school levels')),
                        ('boarding', models.BooleanField(blank=True, help_text='Empty: either.', null=True, verbose_name='boarding schools')),
                        ('school_bus', models.BooleanField(blank=True, help_text='Empty: either.', null=True, verbose_name='schools with a bus')),
                        ('period', models.CharField(choices=[('month', 'Month'), ('term', 'Term'), ('year', 'School year')], default='term', max_length=8, verbose_name='period')),
                        ('count', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(31)], verbose_name='drills per period')),
                        ('police_required', models.BooleanField(default=False, verbose_name='police take part')),
                        ('source', models.CharField(blank=True, help_text='Where the rule comes from.', max_length=300, verbose_name='source')),
                        ('active', models.BooleanField(default=True, verbose_name='active')),
                        ('drill_type', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rules', to='drills.drilltype', verbose_name='drill type')),
                    ],
                    options={
                        'verbose_name': 'drill rule',
                        'verbose_name_plural': 'drill rules',
                        'db_table': 'campus_drillrule',
                        'ordering': ['drill_type__name', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='EmergencyPlan',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(max_length=200, verbose_name='title')),
                        ('is_sample', models.BooleanField(default=False, verbose_name='sample data')),
                        ('scenario', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='plans', to='drills.drilltype', verbose_name='scenario')),
                        ('school', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='emergency_plans', to='campus.school', verbose_name='school')),
                    ],
                    options={
                        'verbose_name': 'emergency plan',
                        'verbose_name_plural': 'emergency plans',
                        'db_table': 'campus_emergencyplan',
                        'ordering': ['school_id', 'scenario__name'],
                    },
                ),
                migrations.CreateModel(
                    name='EmergencyPlanVersion',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('version', models.PositiveIntegerField(validators=[django.core.validators.MinValueValidator(1)], verbose_name='version')),
                        ('effective_date', models.DateField(verbose_name='effective from')),
                        ('text', models.TextField(blank=True, max_length=100000, verbose_name='text')),
                        ('approved_by', models.CharField(max_length=100, verbose_name='approved by')),
                        ('approved_on', models.DateField(verbose_name='approved on')),
                        ('review_due', models.DateField(verbose_name='review due')),
                        ('change_note', models.CharField(blank=True, max_length=500, verbose_name='what changed')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='versions', to='drills.emergencyplan', verbose_name='plan')),
                        ('uploaded_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='uploaded by')),
                    ],
                    options={
                        'verbose_name': 'plan version',
                        'verbose_name_plural': 'plan versions',
                        'db_table': 'campus_emergencyplanversion',
                        'ordering': ['plan_id', '-version'],
                    },
                ),
                migrations.CreateModel(
                    name='Attachment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('photo', 'Photo'), ('document', 'Document')], max_length=8, verbose_name='kind')),
                        ('name', models.CharField(max_length=200, verbose_name='file name')),
                        ('content_type', models.CharField(max_length=100, verbose_name='content type')),
                        ('size_bytes', models.PositiveIntegerField(verbose_name='size in bytes')),
                        ('content', models.BinaryField(verbose_name='content')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='uploaded at')),
                        ('activity', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='attachments', to='drills.activity')),
                        ('uploaded_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='uploaded by')),
                        ('drill', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='attachments', to='drills.drill')),
                        ('plan_version', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='attachments', to='drills.emergencyplanversion')),
                    ],
                    options={
                        'verbose_name': 'attachment',
                        'verbose_name_plural': 'attachments',
                        'db_table': 'campus_attachment',
                        'ordering': ['id'],
                    },
                ),
                migrations.CreateModel(
                    name='Reminder',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=200, unique=True, verbose_name='key')),
                        ('message', models.CharField(max_length=500, verbose_name='message')),
                        ('sent_at', models.DateTimeField(verbose_name='sent at')),
                        ('emailed', models.BooleanField(default=False, verbose_name='e-mailed')),
                        ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='user')),
                    ],
                    options={
                        'verbose_name': 'reminder',
                        'verbose_name_plural': 'reminders',
                        'db_table': 'campus_reminder',
                        'ordering': ['-sent_at'],
                    },
                ),
                migrations.AddIndex(
                    model_name='activity',
                    index=models.Index(fields=['school', 'date'], name='campus_acti_school__030983_idx'),
                ),
                migrations.AddIndex(
                    model_name='drill',
                    index=models.Index(fields=['school', 'status', 'date'], name='campus_dril_school__d101b6_idx'),
                ),
                migrations.AddConstraint(
                    model_name='drill',
                    constraint=models.CheckConstraint(condition=models.Q(('status', 'planned'), ('status', 'cancelled'), ('date__isnull', False), _connector='OR'), name='drill_held_has_date'),
                ),
                migrations.AddConstraint(
                    model_name='drill',
                    constraint=models.CheckConstraint(condition=models.Q(('evacuation_s__isnull', True), ('evacuation_s__gt', 0), _connector='OR'), name='drill_evacuation_positive'),
                ),
                migrations.AddConstraint(
                    model_name='emergencyplan',
                    constraint=models.UniqueConstraint(fields=('school', 'scenario'), name='plan_one_per_scenario'),
                ),
                migrations.AddConstraint(
                    model_name='emergencyplanversion',
                    constraint=models.UniqueConstraint(fields=('plan', 'version'), name='plan_version_unique'),
                ),
                migrations.AddConstraint(
                    model_name='attachment',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('activity__isnull', True), ('drill__isnull', False), ('plan_version__isnull', True)), models.Q(('activity__isnull', True), ('drill__isnull', True), ('plan_version__isnull', False)), models.Q(('activity__isnull', False), ('drill__isnull', True), ('plan_version__isnull', True)), _connector='OR'), name='attachment_has_one_owner'),
                ),
            ],
            database_operations=[],
        ),
    ]
