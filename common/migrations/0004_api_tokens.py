"""API tokens that expire and can be revoked (common.ApiToken), replacing DRF's authtoken.

The old DRF tokens are dropped, not migrated: they never expired and their keys were stored
(and shown on the token page) in plain text, so any of them may have leaked. Their table, its
migration records and content types go; an audit entry says how many tokens were dropped.
Users create new tokens on the "API tokens" page.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

LEGACY_TABLE = "authtoken_token"


def drop_legacy_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if LEGACY_TABLE not in connection.introspection.table_names():
        return
    quoted = schema_editor.quote_name(LEGACY_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {quoted}")
        count = cursor.fetchone()[0]
        cursor.execute("DELETE FROM django_migrations WHERE app = %s", ["authtoken"])
    schema_editor.execute(f"DROP TABLE {quoted}")
    apps.get_model("contenttypes", "ContentType").objects.filter(app_label="authtoken").delete()
    apps.get_model("common", "AuditLogEntry").objects.create(
        actor_name="system",
        action="api_token.legacy_drop",
        object_type="authtoken.token",
        object_repr=f"{count} legacy API token(s)",
        reason="Non-expiring DRF tokens replaced by expiring API tokens; users create new ones.",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("common", "0003_audit_actor_do_nothing"),
        # Deleting the old content types cascades to their permissions and admin log entries' links.
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                (
                    "key_hash",
                    models.CharField(editable=False, max_length=64, unique=True, verbose_name="key hash (SHA-256)"),
                ),
                ("prefix", models.CharField(editable=False, max_length=16, verbose_name="key prefix")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                ("expires_at", models.DateTimeField(db_index=True, verbose_name="expires")),
                ("last_used_at", models.DateTimeField(blank=True, null=True, verbose_name="last used")),
                ("revoked_at", models.DateTimeField(blank=True, null=True, verbose_name="revoked at")),
                (
                    "revoked_reason",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("user", "revoked by its owner"),
                            ("admin", "revoked by an administrator"),
                            ("password_changed", "password changed"),
                            ("deactivated", "account deactivated"),
                        ],
                        max_length=32,
                        verbose_name="revoked because",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="api_tokens",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "verbose_name": "API token",
                "verbose_name_plural": "API tokens",
                "ordering": ["-created_at", "-id"],
                "indexes": [
                    models.Index(fields=["user", "revoked_at", "expires_at"], name="common_apit_user_id_4c0e68_idx")
                ],
            },
        ),
        migrations.RunPython(drop_legacy_tokens, migrations.RunPython.noop),
    ]
