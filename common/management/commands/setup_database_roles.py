"""Split the PostgreSQL database into an owner role (migrations) and an app role (the running site).

Run by a superuser (or a role with CREATEROLE that owns the objects) on the PostgreSQL scale path,
after ``manage.py migrate`` and again after every later migrate (it is idempotent):

    manage.py setup_database_roles --owner schoolsafe_owner --app schoolsafe_app

- the owner role owns the schema's tables, sequences, views and functions; migrations run as it;
- the app role owns nothing: SELECT, INSERT, UPDATE, DELETE on the tables and USAGE, SELECT on the
  sequences (also on those later migrations create, through ALTER DEFAULT PRIVILEGES FOR ROLE owner),
  but only SELECT and INSERT on the append-only tables (the audit log). Not owning a table, it cannot
  disable or drop the append-only triggers, and since migration common 0005 the trigger's purge guard
  (``schoolsafe.audit_purge``) counts only for the owner or a superuser.

The embedded SQLite default has no roles: it is one file owned by the server's account, so file
permissions are the boundary there, and the command refuses to run.
"""

from __future__ import annotations

import re

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from psycopg import sql

from common.models import AuditLogEntry

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Tables whose history must not change: the app role may read and add rows, nothing else.
APPEND_ONLY_TABLES = [AuditLogEntry._meta.db_table]
APP_TABLE_PRIVILEGES = sql.SQL("SELECT, INSERT, UPDATE, DELETE")
APPEND_ONLY_PRIVILEGES = sql.SQL("SELECT, INSERT")


def _role_name(value: str) -> str:
    if not ROLE_NAME.match(value):
        raise CommandError(f"{value!r} is not a role name this command accepts: lower-case letters, digits, _")
    return value


class Command(BaseCommand):
    help = "Create the PostgreSQL owner and app roles and grant the app role only what the running site needs."

    def add_arguments(self, parser):
        parser.add_argument("--owner", default="schoolsafe_owner", type=_role_name, help="owns the tables")
        parser.add_argument("--app", default="schoolsafe_app", type=_role_name, help="the running site's login")
        parser.add_argument(
            "--owner-password",
            help="makes the owner a LOGIN role with this password (else NOLOGIN: migrate with assume_role)",
        )
        parser.add_argument("--app-password", help="set the app role's password (else left as it is)")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Django database alias")

    def handle(self, *args, owner: str, app: str, owner_password, app_password, database: str, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError(
                "Database roles exist only on PostgreSQL (DATABASE_URL=postgres://...). The embedded SQLite "
                "default is a single file owned by the account that runs the server: file permissions are "
                "the boundary there, so keep that file (SCHOOLSAFE_VAR_DIR) readable by that account alone."
            )
        if owner == app:
            raise CommandError("The owner and the app role must be two different roles.")
        with transaction.atomic(using=database), connection.cursor() as cursor:
            self._cursor = cursor
            self._raw = connection.connection
            me, superuser, createrole = self._one(
                "SELECT current_user, rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user"
            )
            if not (superuser or createrole):
                raise CommandError(f"Run this as a superuser or a role with CREATEROLE, not {me!r}.")
            if app == me:
                raise CommandError(f"This session is the app role {app!r}: run the command as a superuser.")
            self._ensure_owner(owner, owner_password)
            self._ensure_app(app, app_password, owner)
            schema = self._one("SELECT current_schema()")[0]
            dbname = self._one("SELECT current_database()")[0]
            self._database_and_schema(dbname, schema, owner, app)
            moved = self._own_everything(schema, owner)
            self._grant(schema, owner, app)
            self._check_guard()
        self.stdout.write(
            self.style.SUCCESS(
                f"Roles ready in {dbname}.{schema}: {owner} owns {moved} more object(s) now; {app} may read and "
                f"write the tables, and only read and add to {', '.join(APPEND_ONLY_TABLES)}."
            )
        )

    # --- steps -----------------------------------------------------------------------------------

    def _ensure_owner(self, owner: str, password: str | None) -> None:
        exists = self._exists(owner)
        login = sql.SQL("LOGIN PASSWORD {}").format(sql.Literal(password)) if password else sql.SQL("NOLOGIN")
        verb = "ALTER" if exists else "CREATE"
        if exists and not password:
            return  # leave an existing owner's login as it is
        self._run(sql.SQL(verb + " ROLE {} {}").format(sql.Identifier(owner), login))
        self.stdout.write(f"{verb.lower()}d role {owner}")

    def _ensure_app(self, app: str, password: str | None, owner: str) -> None:
        # An ordinary login role: no superuser, no role creation, no bypass of row security.
        attributes = sql.SQL("LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS")
        if password:
            attributes = sql.SQL("{} PASSWORD {}").format(attributes, sql.Literal(password))
        verb = "ALTER" if self._exists(app) else "CREATE"
        self._run(sql.SQL(verb + " ROLE {} {}").format(sql.Identifier(app), attributes))
        self.stdout.write(f"{verb.lower()}d role {app}")
        # A member of the owner role would have the owner's rights over the tables and the guard.
        if self._one("SELECT pg_has_role(%s, %s, 'MEMBER')", [app, owner])[0]:
            self._run(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(owner), sql.Identifier(app)))
            if self._one("SELECT pg_has_role(%s, %s, 'MEMBER')", [app, owner])[0]:
                raise CommandError(f"{app} is a member of {owner} through another role: remove that membership.")

    def _database_and_schema(self, dbname: str, schema: str, owner: str, app: str) -> None:
        db_owner = self._one("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", [dbname])[0]
        if db_owner == app:
            # The database owner may drop the schema it owns (PostgreSQL 15's public is pg_database_owner's).
            self._run(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(dbname), sql.Identifier(owner)))
            self.stdout.write(f"database {dbname} now owned by {owner}")
        schema_owner = self._one("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = %s", [schema])[0]
        if schema_owner == app:
            self._run(sql.SQL("ALTER SCHEMA {} OWNER TO {}").format(sql.Identifier(schema), sql.Identifier(owner)))
            self.stdout.write(f"schema {schema} now owned by {owner}")
        ids = {"db": sql.Identifier(dbname), "s": sql.Identifier(schema)}
        ids |= {"owner": sql.Identifier(owner), "app": sql.Identifier(app)}
        for statement in (
            "GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {owner}, {app}",
            "GRANT USAGE, CREATE ON SCHEMA {s} TO {owner}",
            "GRANT USAGE ON SCHEMA {s} TO {app}",
            # Nobody else creates objects here (PostgreSQL before 15 let PUBLIC create in public).
            "REVOKE CREATE ON SCHEMA {s} FROM PUBLIC",
            "REVOKE CREATE ON SCHEMA {s} FROM {app}",
        ):
            self._run(sql.SQL(statement).format(**ids))

    def _own_everything(self, schema: str, owner: str) -> int:
        """Make ``owner`` own the schema's tables, views, sequences and functions; returns how many moved."""
        not_extension = "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = {oid} AND d.deptype = 'e')"
        relations = self._all(
            "SELECT c.relkind, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND pg_get_userbyid(c.relowner) <> %s "
            "AND " + not_extension.format(oid="c.oid"),
            [schema, owner],
        )
        for kind, name in relations:
            keyword = {"v": "VIEW", "m": "MATERIALIZED VIEW", "f": "FOREIGN TABLE"}.get(kind, "TABLE")
            self._run(
                sql.SQL("ALTER " + keyword + " {}.{} OWNER TO {}").format(
                    sql.Identifier(schema), sql.Identifier(name), sql.Identifier(owner)
                )
            )
        # Sequences of serial and identity columns moved with their tables; these are the others.
        sequences = self._all(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'S' AND pg_get_userbyid(c.relowner) <> %s "
            "AND " + not_extension.format(oid="c.oid"),
            [schema, owner],
        )
        for (name,) in sequences:
            self._run(
                sql.SQL("ALTER SEQUENCE {}.{} OWNER TO {}").format(
                    sql.Identifier(schema), sql.Identifier(name), sql.Identifier(owner)
                )
            )
        # The append-only trigger function among them: only its owner may replace it.
        functions = self._all(
            "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = %s AND p.prokind IN ('f', 'p') AND pg_get_userbyid(p.proowner) <> %s "
            "AND " + not_extension.format(oid="p.oid"),
            [schema, owner],
        )
        for (signature,) in functions:
            # regprocedure's text is already quoted where needed.
            self._run(sql.SQL("ALTER ROUTINE " + signature + " OWNER TO {}").format(sql.Identifier(owner)))
        return len(relations) + len(sequences) + len(functions)

    def _grant(self, schema: str, owner: str, app: str) -> None:
        ids = {"s": sql.Identifier(schema), "owner": sql.Identifier(owner), "app": sql.Identifier(app)}
        statements = [
            # From nothing, so a TRUNCATE or TRIGGER granted by hand earlier does not survive.
            sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {app}").format(**ids),
            sql.SQL("GRANT {p} ON ALL TABLES IN SCHEMA {s} TO {app}").format(p=APP_TABLE_PRIVILEGES, **ids),
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {app}").format(**ids),
            # Tables and sequences that later migrations create (as the owner) get the same grants.
            sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {s} GRANT {p} ON TABLES TO {app}").format(
                p=APP_TABLE_PRIVILEGES, **ids
            ),
            sql.SQL(
                "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {s} GRANT USAGE, SELECT ON SEQUENCES TO {app}"
            ).format(**ids),
        ]
        for table in APPEND_ONLY_TABLES:
            target = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table))
            statements += [
                sql.SQL("REVOKE ALL ON {t} FROM PUBLIC, {app}").format(t=target, **ids),
                sql.SQL("GRANT {p} ON {t} TO {app}").format(p=APPEND_ONLY_PRIVILEGES, t=target, **ids),
            ]
        for statement in statements:
            self._run(statement)

    def _check_guard(self) -> None:
        table = APPEND_ONLY_TABLES[0]
        triggers = self._one(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal AND tgenabled <> 'D'",
            [table],
        )[0]
        if triggers < 2:
            self.stderr.write(
                self.style.WARNING(f"{table} lacks its append-only triggers: run manage.py migrate as the owner.")
            )
        body = self._one("SELECT coalesce(max(prosrc), '') FROM pg_proc WHERE proname = 'common_audit_append_only'")[0]
        if "pg_has_role" not in body:
            self.stderr.write(
                self.style.WARNING("The audit trigger still lets any session purge: apply migration common 0005.")
            )

    # --- SQL helpers -----------------------------------------------------------------------------

    def _run(self, statement: sql.Composable) -> None:
        self._cursor.execute(statement.as_string(self._raw))

    def _one(self, query: str, params: list | None = None) -> tuple:
        self._cursor.execute(query, params)
        return self._cursor.fetchone()

    def _all(self, query: str, params: list | None = None) -> list[tuple]:
        self._cursor.execute(query, params)
        return self._cursor.fetchall()

    def _exists(self, role: str) -> bool:
        return self._one("SELECT count(*) FROM pg_roles WHERE rolname = %s", [role])[0] > 0
