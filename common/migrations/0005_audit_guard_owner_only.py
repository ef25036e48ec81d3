"""Only the audit table's owner (or a superuser) may switch the audit log's purge guard (PostgreSQL).

Before this, any session could ``SET LOCAL schoolsafe.audit_purge = 'on'`` and then rewrite history.
Now the trigger honours that setting only when the current role has the privileges of the role that
owns ``common_auditlogentry`` (superusers do): the migration owner, or ``postgres`` when the test suite
flushes its database. The application's own role (``manage.py setup_database_roles``) owns nothing,
holds only SELECT and INSERT on this table, and so can neither pass the guard nor drop the trigger.

Names inside the function are schema-qualified and its search_path pinned to pg_catalog, so a session
cannot put look-alike functions in front of the built-ins it calls.

SQLite is unchanged: the embedded default is a file the server owns, and file permissions are the
boundary there (see ``common.db``).
"""

from django.db import migrations

OWNER_ONLY = """
CREATE OR REPLACE FUNCTION common_audit_append_only() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
  IF coalesce(pg_catalog.current_setting('schoolsafe.audit_purge', true), '') = 'on'
     AND pg_catalog.pg_has_role(
       current_user, (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = TG_RELID), 'USAGE'
     ) THEN
    IF TG_OP = 'TRUNCATE' THEN RETURN NULL; END IF;
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit log is append-only';
END; $$;
"""

# 0002's function, for migrating backwards.
ANY_SESSION = """
CREATE OR REPLACE FUNCTION common_audit_append_only() RETURNS trigger AS $$
BEGIN
  IF coalesce(current_setting('schoolsafe.audit_purge', true), '') = 'on' THEN
    IF TG_OP = 'TRUNCATE' THEN RETURN NULL; END IF;
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit log is append-only';
END; $$ LANGUAGE plpgsql;
"""


def owner_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(OWNER_ONLY)


def any_session(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ANY_SESSION)


class Migration(migrations.Migration):
    dependencies = [
        ("common", "0004_api_tokens"),
    ]

    operations = [
        migrations.RunPython(owner_only, any_session),
    ]
