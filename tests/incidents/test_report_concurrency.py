"""The same report sent concurrently and retried stores exactly one row (real database transactions).

On PostgreSQL (CI's DATABASE_URL) the threads really race on the unique constraint; on SQLite they
serialize on the database lock, and a thread that finds the database locked retries like a phone.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import OperationalError, close_old_connections, connection
from django.utils import timezone

from incidents.models import Incident, IncidentEvent
from incidents.report.services import IdempotencyKeyReused
from tests.incidents.test_report_support import World, english_fixture, photo  # noqa: F401

THREADS = 8
RETRIES_PER_THREAD = 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_store_exactly_one_report(monkeypatch):
    world = World()
    from incidents.report import services as report_module

    inserts: list[int] = []
    real_insert = report_module._do_incident_report

    def counting_insert(**kwargs):
        inserts.append(1)
        return real_insert(**kwargs)

    monkeypatch.setattr(report_module, "_do_incident_report", counting_insert)
    occurred_at = timezone.now()
    barrier = threading.Barrier(THREADS)
    results: list[tuple[int, bool]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def send() -> None:
        try:
            barrier.wait(timeout=30)
            for _attempt in range(RETRIES_PER_THREAD):
                for _try in range(200):
                    try:
                        incident, created = world.report(occurred_at=occurred_at, photos=[photo()])
                        break
                    except OperationalError as exc:  # SQLite: "database is locked"; retry like a phone
                        if "locked" not in str(exc):
                            raise
                        time.sleep(0.01)
                else:
                    raise AssertionError("the database stayed locked")
                with lock:
                    results.append((incident.pk, created))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(results) == THREADS * RETRIES_PER_THREAD
    assert Incident.objects.count() == 1
    stored = Incident.objects.get()
    assert {pk for pk, _ in results} == {stored.pk}
    assert sum(created for _, created in results) == 1
    assert IncidentEvent.objects.filter(incident=stored).count() == 2
    assert stored.photos.count() == 1
    # On PostgreSQL typically every thread reaches the INSERT and all but one lose on the constraint.
    assert len(inserts) >= 1

    # A different body under the same key, also concurrently: refused every time, nothing added.
    refused: list[BaseException] = []

    def send_other() -> None:
        try:
            world.report(occurred_at=occurred_at, description="Another report.")
        except IdempotencyKeyReused as exc:
            refused.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send_other) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(refused) == 4
    assert Incident.objects.count() == 1
