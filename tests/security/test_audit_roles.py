"""The app's database role cannot alter the audit log's history (PostgreSQL).

``manage.py setup_database_roles`` splits an owner role (migrations) from the app role (the site);
these tests connect as the app role with psycopg, as any database client could, and try every way
to rewrite history. Roles are cluster-wide, so the names are unique per run and dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from common.audit import audit_record
from common.models import AuditLogEntry

AUDIT = AuditLogEntry._meta.db_table
INSERT_AUDIT = (
    f"INSERT INTO {AUDIT} (at, actor_name, action, object_type, object_id, object_repr, reason) "
    "VALUES (now(), 'client', 'client.write', '', '', '', '')"
)


def _why_not_postgres() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return "database roles exist only on PostgreSQL: run with DATABASE_URL=postgres://..."
    import psycopg

    try:
        psycopg.connect(url.split("?")[0].rsplit("/", 1)[0] + "/postgres", connect_timeout=3).close()
    except psycopg.Error as exc:
        return f"the PostgreSQL server of DATABASE_URL does not answer: {exc}"
    return None


WHY_NOT_POSTGRES = _why_not_postgres()
postgres_only = pytest.mark.skipif(WHY_NOT_POSTGRES is not None, reason=str(WHY_NOT_POSTGRES))


@pytest.fixture
def roles(transactional_db):
    """An owner and an app role set up in the test database; everything handed back and dropped after."""
    suffix = uuid.uuid4().hex[:10]
    names = {"owner": f"ss_test_owner_{suffix}", "app": f"ss_test_app_{suffix}", "password": secrets.token_hex(16)}
    call_command("setup_database_roles", owner=names["owner"], app=names["app"], app_password=names["password"])
    try:
        yield names
    finally:
        connection.close()  # a fresh connection, out of any broken transaction
        with connection.cursor() as cursor:
            for role in (names["owner"], names["app"]):
                cursor.execute(f'REASSIGN OWNED BY "{role}" TO CURRENT_USER')
                cursor.execute(f'DROP OWNED BY "{role}"')
                cursor.execute(f'DROP ROLE "{role}"')


def _connect_as(role: str, password: str):
    import psycopg

    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        dbname=settings["NAME"],
        user=role,
        password=password,
        autocommit=True,
        connect_timeout=10,
    )


def _refused(client, statement: str, *, before: str | None = None) -> str:
    """Run ``statement`` (after ``before``) in a transaction as the client; return PostgreSQL's refusal."""
    import psycopg

    with pytest.raises(psycopg.Error) as refusal, client.transaction():
        if before:
            client.execute(before)
        client.execute(statement)
    return str(refusal.value)


@postgres_only
def test_app_role_writes_and_reads_ordinary_tables_and_adds_to_the_audit_log(roles):
    audit_record(actor=None, action="history.kept")
    with _connect_as(roles["app"], roles["password"]) as client:
        assert client.execute("SELECT current_user").fetchone()[0] == roles["app"]
        client.execute(INSERT_AUDIT)
        actions = {row[0] for row in client.execute(f"SELECT action FROM {AUDIT}")}
        assert actions == {"history.kept", "client.write"}
        # Ordinary tables: the whole of a request's work (a group here, as any model).
        client.execute("INSERT INTO auth_group (name) VALUES ('csp-roles-test')")
        client.execute("UPDATE auth_group SET name = 'csp-roles-test-2' WHERE name = 'csp-roles-test'")
        client.execute("DELETE FROM auth_group WHERE name = 'csp-roles-test-2'")


@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        (f"UPDATE {AUDIT} SET action = 'forged'", "permission denied"),
        (f"DELETE FROM {AUDIT}", "permission denied"),
        (f"TRUNCATE {AUDIT}", "permission denied"),
        (f"ALTER TABLE {AUDIT} DISABLE TRIGGER common_audit_no_update", "must be owner"),
        (f"ALTER TABLE {AUDIT} DISABLE TRIGGER ALL", "must be owner"),
        (f"DROP TRIGGER common_audit_no_update ON {AUDIT}", "must be owner"),
        (f"DROP TABLE {AUDIT}", "must be owner"),
        (f"ALTER TABLE {AUDIT} OWNER TO CURRENT_USER", "must be owner"),
        (
            "CREATE OR REPLACE FUNCTION common_audit_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$",
            "must be owner",
        ),
        ("SET session_replication_role = replica", "permission denied"),
        # PostgreSQL only warns that nothing was granted; the DELETE after it is what matters.
        (f"GRANT DELETE ON {AUDIT} TO CURRENT_USER; DELETE FROM {AUDIT}", "permission denied"),
    ],
    ids=[
        "update",
        "delete",
        "truncate",
        "disable-trigger",
        "disable-all-triggers",
        "drop-trigger",
        "drop-table",
        "take-ownership",
        "replace-trigger-function",
        "replica-mode",
        "grant-itself-delete",
    ],
)
@postgres_only
def test_app_role_cannot_alter_history(roles, statement, refusal):
    audit_record(actor=None, action="history.kept")
    with _connect_as(roles["app"], roles["password"]) as client:
        message = _refused(client, statement)
    assert refusal in message.lower() or "permission denied" in message.lower(), message
    assert list(AuditLogEntry.objects.values_list("action", flat=True)) == ["history.kept"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal AND tgenabled = 'O'",
            [AUDIT],
        )
        assert cursor.fetchone()[0] == 2  # both triggers still there and enabled


@postgres_only
def test_app_role_cannot_switch_the_purge_guard(roles):
    """Even with UPDATE and DELETE granted by mistake, the guard holds for a role that is not the owner."""
    audit_record(actor=None, action="history.kept")
    with connection.cursor() as cursor:
        cursor.execute(f'GRANT UPDATE, DELETE, TRUNCATE ON {AUDIT} TO "{roles["app"]}"')
    with _connect_as(roles["app"], roles["password"]) as client:
        guard = "SET LOCAL schoolsafe.audit_purge = 'on'"
        for statement in (f"DELETE FROM {AUDIT}", f"UPDATE {AUDIT} SET action = 'forged'", f"TRUNCATE {AUDIT}"):
            assert "append-only" in _refused(client, statement, before=guard)
        # Nor by putting a look-alike function first on the search path (the trigger pins pg_catalog).
        assert "append-only" in _refused(
            client, f"DELETE FROM {AUDIT}", before=f"{guard}; SET LOCAL search_path = pg_temp, public"
        )
    assert list(AuditLogEntry.objects.values_list("action", flat=True)) == ["history.kept"]


@postgres_only
def test_the_owner_may_still_purge_with_the_guard_on_as_pytest_does(roles):
    """The guard is the owner's (and a superuser's): the test suite's flush as postgres keeps working."""
    audit_record(actor=None, action="old")
    owner = roles["owner"]
    # The test settings switch the guard on for every connection; without it the owner is refused too.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{owner}"')
        cursor.execute("SET LOCAL schoolsafe.audit_purge = 'off'")
        cursor.execute(f"DELETE FROM {AUDIT}")
    assert AuditLogEntry.objects.count() == 1
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{owner}"')
        cursor.execute(f"DELETE FROM {AUDIT}")
    assert not AuditLogEntry.objects.exists()


@postgres_only
def test_setup_is_idempotent_and_new_tables_are_granted_by_default(roles):
    call_command("setup_database_roles", owner=roles["owner"], app=roles["app"])
    with connection.cursor() as cursor:
        # A later migration, run as the owner, creates a table: the app role may use it at once.
        cursor.execute(f'SET ROLE "{roles["owner"]}"')
        cursor.execute("CREATE TABLE csp_roles_later (id bigint GENERATED BY DEFAULT AS IDENTITY, note text)")
        cursor.execute("RESET ROLE")
    try:
        with _connect_as(roles["app"], roles["password"]) as client:
            client.execute("INSERT INTO csp_roles_later (note) VALUES ('x')")
            assert client.execute("SELECT count(*) FROM csp_roles_later").fetchone()[0] == 1
            client.execute("DELETE FROM csp_roles_later")
            # The audit table keeps its narrower grant after the second run.
            assert "permission denied" in _refused(client, f"DELETE FROM {AUDIT}")
            # And the app role creates nothing of its own in the schema.
            assert "permission denied" in _refused(client, "CREATE TABLE csp_roles_mine (id int)")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE csp_roles_later")


@postgres_only
def test_refuses_the_same_role_for_both(roles):
    with pytest.raises(CommandError, match="two different roles"):
        call_command("setup_database_roles", owner=roles["app"], app=roles["app"])


@pytest.mark.django_db
@pytest.mark.skipif(WHY_NOT_POSTGRES is None, reason="runs on SQLite: checks the refusal there")
def test_refuses_on_sqlite_and_says_file_permissions_are_the_boundary():
    with pytest.raises(CommandError, match="file permissions are the boundary"):
        call_command("setup_database_roles")
