"""The import batch, taken over from the ``campus`` app with its table (``campus_importbatch``).

State only: the table was created by ``campus/migrations/0002_importbatch.py`` and keeps its name
(``db_table``), so existing batches, their files and reports stay where they are. On an empty
database 0002 still creates it, before this migration runs. ``kind`` has no choices any more: it
holds the key of a kind an app registers (``imports.registry``), checked by a validator.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import imports.models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("campus", "0011_importbatch_moved_out"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ImportBatch",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                max_length=16, validators=[imports.models.validate_import_kind], verbose_name="kind"
                            ),
                        ),
                        (
                            "crs",
                            models.CharField(
                                choices=[
                                    ("wgs84", "WGS-84 (GPS, Tianditu, CGCS2000)"),
                                    ("gcj02", "GCJ-02 (AMap, Tencent)"),
                                    ("bd09", "BD-09 (Baidu)"),
                                ],
                                max_length=8,
                                verbose_name="coordinate system",
                            ),
                        ),
                        ("filename", models.CharField(max_length=255, verbose_name="file name")),
                        ("sha256", models.CharField(db_index=True, max_length=64, verbose_name="SHA-256")),
                        ("size_bytes", models.PositiveIntegerField(verbose_name="size in bytes")),
                        ("content", models.BinaryField(verbose_name="uploaded file")),
                        (
                            "is_sample",
                            models.BooleanField(
                                default=False,
                                help_text="Mark the records this batch writes as sample data.",
                                verbose_name="sample data",
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="uploaded at")),
                        ("applied_at", models.DateTimeField(blank=True, null=True, verbose_name="applied at")),
                        (
                            "status",
                            models.CharField(
                                choices=[("previewed", "Previewed"), ("applied", "Applied"), ("failed", "Failed")],
                                default="previewed",
                                max_length=16,
                                verbose_name="status",
                            ),
                        ),
                        ("report", models.JSONField(blank=True, default=dict, verbose_name="report")),
                        ("rows_total", models.PositiveIntegerField(default=0, verbose_name="records")),
                        ("created_count", models.PositiveIntegerField(default=0, verbose_name="created")),
                        ("updated_count", models.PositiveIntegerField(default=0, verbose_name="updated")),
                        ("unchanged_count", models.PositiveIntegerField(default=0, verbose_name="unchanged")),
                        ("error_count", models.PositiveIntegerField(default=0, verbose_name="errors")),
                        ("warning_count", models.PositiveIntegerField(default=0, verbose_name="warnings")),
                        (
                            "uploaded_by",
                            models.ForeignKey(
                                blank=True,
                                help_text="Empty for imports run by a management command.",
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="uploaded by",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "import batch",
                        "verbose_name_plural": "import batches",
                        "ordering": ["-created_at", "-id"],
                        "db_table": "campus_importbatch",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
