"""Issuing the same draft from several requests at once gives consecutive versions, never two v1s.

On PostgreSQL (CI's DATABASE_URL) the threads really race and ``select_for_update`` on the draft orders them;
on SQLite they serialize on the database lock, and a thread that finds it locked tries again.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import OperationalError, close_old_connections, connection

from common.roles import Role
from reports import services
from reports.models import Report, ReportVersion
from tests.factories import make_user
from tests.reports.conftest import OCTOBER

THREADS = 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_get_consecutive_version_numbers():
    author = make_user(Role.BRIGADE_SCHEDULER, username="race_author")
    report = Report.objects.create(month=OCTOBER, snapshot={"month": "2026-10"}, countermeasures="对策")
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def issue() -> None:
        try:
            barrier.wait(timeout=30)
            for _try in range(300):
                try:
                    services.report_issue(actor=author, report=report)
                    return
                except OperationalError as exc:  # SQLite: "database is locked"
                    if "locked" not in str(exc):
                        raise
                    time.sleep(0.01)
            raise AssertionError("the database stayed locked")
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    numbers = sorted(ReportVersion.objects.filter(report=report).values_list("number", flat=True))
    assert numbers == list(range(1, THREADS + 1))
