"""The embedded SQLite database under a control room's few concurrent writers.

Each thread runs read-then-write transactions like the ones the web process and the bridge
run side by side: control-lock renewals, flight report updates, track point inserts. On a
file database (WAL, as ``make run`` uses) with the options ``common.env`` gives, none may
fail with "database is locked"; with SQLite's default deferred transactions they do, which
is what the first test shows.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connections, transaction

from common.env import env_database

ALIAS = "sqlite_concurrency"
THREADS = 6
ROUNDS = 15


@contextmanager
def file_database(path: str, *, immediate: bool) -> Iterator[str]:
    """A Django database alias on ``path`` configured as the embedded default; dropped afterwards."""
    config = env_database("DATABASE_URL", path, environ={})
    if not immediate:
        config["OPTIONS"] = {k: v for k, v in config["OPTIONS"].items() if k != "transaction_mode"}
    config["OPTIONS"]["timeout"] = 5  # enough to wait out a neighbour's short transaction here
    connections.settings[ALIAS] = connections.configure_settings({"default": {}, ALIAS: config})[ALIAS]
    try:
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("CREATE TABLE lock (drone INTEGER PRIMARY KEY, holder INTEGER, renewed INTEGER)")
            cursor.execute("CREATE TABLE flight (id INTEGER PRIMARY KEY, reports INTEGER)")
            cursor.execute("CREATE TABLE track (id INTEGER PRIMARY KEY AUTOINCREMENT, drone INTEGER, seq INTEGER)")
            cursor.execute("INSERT INTO lock VALUES (1, 1, 0)")
            cursor.execute("INSERT INTO flight VALUES (1, 0)")
        yield ALIAS
    finally:
        connections[ALIAS].close()
        del connections[ALIAS]
        del connections.settings[ALIAS]


def run_threads(work: Callable[[int], None], count: int = THREADS) -> list[BaseException]:
    """Run ``work(i)`` in ``count`` threads, each with its own connection; return what they raised."""
    errors: list[BaseException] = []

    def body(index: int) -> None:
        try:
            work(index)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted by the test
            errors.append(exc)
        finally:
            connections[ALIAS].close()

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


def renew_lock(cursor, index: int) -> None:
    cursor.execute("SELECT holder, renewed FROM lock WHERE drone = 1")
    _holder, renewed = cursor.fetchone()
    time.sleep(random.uniform(0, 0.003))  # the web request's work between its read and its write
    cursor.execute("UPDATE lock SET renewed = %s WHERE drone = 1", [renewed + 1])


def apply_report(cursor, index: int) -> None:
    cursor.execute("SELECT reports FROM flight WHERE id = 1")
    (reports,) = cursor.fetchone()
    time.sleep(random.uniform(0, 0.003))
    cursor.execute("UPDATE flight SET reports = %s WHERE id = 1", [reports + 1])


def insert_track(cursor, index: int) -> None:
    cursor.execute("SELECT COALESCE(MAX(seq), 0) FROM track WHERE drone = %s", [index])
    (last,) = cursor.fetchone()
    cursor.execute("INSERT INTO track (drone, seq) VALUES (%s, %s)", [index, last + 1])


WRITERS = (renew_lock, apply_report, insert_track)


def is_locked(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError | sqlite3.OperationalError) and "database is locked" in str(exc)


@pytest.mark.django_db(databases=["default"])
def test_deferred_read_then_write_transactions_fail_with_database_is_locked(tmp_path, django_db_blocker):
    """Why the setting exists: without IMMEDIATE, the busy timeout does not help a read-then-write."""
    with django_db_blocker.unblock(), file_database(str(tmp_path / "deferred.sqlite3"), immediate=False) as alias:
        # Every thread has read before any writes, as happens when requests overlap.
        all_read = threading.Barrier(THREADS, timeout=10)

        def work(index: int) -> None:
            with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
                cursor.execute("SELECT reports FROM flight WHERE id = 1")
                (reports,) = cursor.fetchone()
                all_read.wait()
                cursor.execute("UPDATE flight SET reports = %s WHERE id = 1", [reports + 1])

        errors = run_threads(work)
    assert errors and all(is_locked(e) for e in errors), errors


@pytest.mark.django_db(databases=["default"])
def test_immediate_transactions_let_concurrent_writers_wait_instead_of_failing(tmp_path, django_db_blocker):
    with django_db_blocker.unblock(), file_database(str(tmp_path / "immediate.sqlite3"), immediate=True) as alias:
        with connections[alias].cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"  # init_command still runs with transaction_mode set
        assert connections[alias].transaction_mode == "IMMEDIATE"

        def work(index: int) -> None:
            for round_ in range(ROUNDS):
                writer = WRITERS[(index + round_) % len(WRITERS)]
                with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
                    writer(cursor, index)

        errors = run_threads(work)
        assert errors == []
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT renewed FROM lock")
            renewed = cursor.fetchone()[0]
            cursor.execute("SELECT reports FROM flight")
            reports = cursor.fetchone()[0]
            cursor.execute("SELECT COUNT(*) FROM track")
            points = cursor.fetchone()[0]
    # Serialised, no write is lost: every read-then-increment counted.
    assert renewed + reports + points == THREADS * ROUNDS
    assert renewed == reports == points == THREADS * ROUNDS // len(WRITERS)


def test_the_embedded_default_sets_wal_busy_timeout_and_immediate_transactions():
    options = env_database("DATABASE_URL", "/tmp/x.sqlite3", environ={})["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 10
    assert "journal_mode=WAL" in options["init_command"]
    from_url = env_database("DATABASE_URL", "/tmp/x.sqlite3", environ={"DATABASE_URL": "sqlite:////tmp/y.sqlite3"})
    assert from_url["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_a_database_still_locked_after_the_busy_timeout_is_a_retryable_503_not_a_500():
    from common.api import exception_handler

    response = exception_handler(OperationalError("database is locked"), {})
    assert response.status_code == 503 and response["Retry-After"] == "2"
    assert response.data["code"] == "database_busy"
    assert exception_handler(OperationalError("no such table: x"), {}) is None  # a real fault stays a 500
