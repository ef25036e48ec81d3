"""The audit log is append-only: in the model, the queryset and the database itself."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from common.audit import audit_record
from common.models import AppendOnlyError, AuditLogEntry

pytestmark = pytest.mark.django_db


def _forbid_purge():
    """Turn off the test-only purge permission on this connection, as in production.

    PostgreSQL: for the current transaction only. SQLite: until ``_allow_purge`` (the
    test database must stay flushable for later tests).
    """
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        connection.connection.create_function("audit_purge_allowed", 0, lambda: 0)
    else:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL schoolsafe.audit_purge = 'off'")


def _allow_purge():
    if connection.vendor == "sqlite":
        connection.connection.create_function("audit_purge_allowed", 0, lambda: 1)


def test_records_who_what_before_after(admin_user):
    entry = audit_record(
        actor=admin_user,
        action="thing.change",
        object_type="x.thing",
        object_id=3,
        object_repr="Thing 3",
        before={"a": 1},
        after={"a": 2},
        reason="because",
    )
    entry.refresh_from_db()
    assert (entry.actor_name, entry.action, entry.object_id, entry.before, entry.after, entry.reason) == (
        admin_user.username,
        "thing.change",
        "3",
        {"a": 1},
        {"a": 2},
        "because",
    )
    assert entry.at is not None


def test_model_refuses_update_and_delete():
    entry = audit_record(actor=None, action="x")
    assert entry.actor_name == "system"
    entry.action = "y"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditLogEntry.objects.all().update(action="z")
    with pytest.raises(AppendOnlyError):
        AuditLogEntry.objects.all().delete()


def test_database_refuses_raw_update_and_delete():
    audit_record(actor=None, action="x")
    try:
        for sql in ("UPDATE common_auditlogentry SET action = 'forged'", "DELETE FROM common_auditlogentry"):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                _forbid_purge()
                with connection.cursor() as cursor:
                    cursor.execute(sql)
    finally:
        _allow_purge()
    assert AuditLogEntry.objects.get().action == "x"
