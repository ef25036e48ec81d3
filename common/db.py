"""Per-connection set-up for the audit log's append-only triggers.

SQLite has no session settings, so each connection gets a function
``audit_purge_allowed()`` that the triggers call; PostgreSQL reads the session
setting ``schoolsafe.audit_purge``. Both allow purging only when
``settings.AUDIT_LOG_ALLOW_PURGE`` is true, which only the test settings set
(pytest flushes the database between transactional tests). A client without
this function (the sqlite3 shell) cannot change the log at all.
"""

from __future__ import annotations

from django.conf import settings


def on_connection_created(sender, connection, **kwargs) -> None:
    allow = bool(getattr(settings, "AUDIT_LOG_ALLOW_PURGE", False))
    if connection.vendor == "sqlite":
        connection.connection.create_function("audit_purge_allowed", 0, lambda: 1 if allow else 0, deterministic=False)
    elif connection.vendor == "postgresql" and allow:
        with connection.connection.cursor() as cursor:
            cursor.execute("SET schoolsafe.audit_purge = 'on'")
