"""Create one auth group per role, and make the audit log append-only in the database.

The triggers refuse UPDATE, DELETE (and TRUNCATE on PostgreSQL) unless the
connection has opted in to purging, which only the test settings do so that
the test database can be flushed between tests (see ``common.db``).
"""

from django.db import migrations

ROLES = ["bureau_admin", "brigade_scheduler", "station_officer", "school_staff", "drone_operator", "leadership"]

SQLITE_TRIGGERS = [
    "CREATE TRIGGER common_audit_no_update BEFORE UPDATE ON common_auditlogentry "
    "WHEN NOT audit_purge_allowed() BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
    "CREATE TRIGGER common_audit_no_delete BEFORE DELETE ON common_auditlogentry "
    "WHEN NOT audit_purge_allowed() BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS common_audit_no_update;", "DROP TRIGGER IF EXISTS common_audit_no_delete;"]

POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION common_audit_append_only() RETURNS trigger AS $$
    BEGIN
      IF coalesce(current_setting('schoolsafe.audit_purge', true), '') = 'on' THEN
        IF TG_OP = 'TRUNCATE' THEN RETURN NULL; END IF;
        RETURN OLD;
      END IF;
      RAISE EXCEPTION 'audit log is append-only';
    END; $$ LANGUAGE plpgsql;""",
    "CREATE TRIGGER common_audit_no_update BEFORE UPDATE OR DELETE ON common_auditlogentry "
    "FOR EACH ROW EXECUTE FUNCTION common_audit_append_only();",
    # TRUNCATE bypasses row triggers; refuse it too.
    "CREATE TRIGGER common_audit_no_truncate BEFORE TRUNCATE ON common_auditlogentry "
    "FOR EACH STATEMENT EXECUTE FUNCTION common_audit_append_only();",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS common_audit_no_update ON common_auditlogentry;",
    "DROP TRIGGER IF EXISTS common_audit_no_truncate ON common_auditlogentry;",
    "DROP FUNCTION IF EXISTS common_audit_append_only();",
]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


def add_triggers(apps, schema_editor):
    statements = {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def drop_triggers(apps, schema_editor):
    statements = {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("common", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(create_groups, remove_groups),
        migrations.RunPython(add_triggers, drop_triggers),
    ]
