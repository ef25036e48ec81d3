"""Two changes over the same published duties at once (a leave and a school closure) both commit, and each
duty gets exactly one open break (real transactions; run on SQLite and, with DATABASE_URL, PostgreSQL).

On PostgreSQL the second change waits on the duties' row locks, then finds the first one's breaks; on
SQLite the writers serialize on the database lock, and a thread that finds it locked retries.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import OperationalError, close_old_connections, connection

from campus.models import SchoolClosure
from patrol.models import DutyBreak, Leave
from patrol.schedule import services as schedule_services
from tests.patrol.factories import local
from tests.patrol.test_duty_breaks import _give_a1, county  # noqa: F401 - the fixture


def _retrying(action):
    for _try in range(500):
        try:
            return action()
        except OperationalError as exc:  # SQLite: "database is locked"
            if "locked" not in str(exc):
                raise
            time.sleep(0.01)
    raise AssertionError("the database stayed locked")


@pytest.mark.django_db(transaction=True)
def test_a_leave_and_a_closure_at_once_flag_each_duty_once(county):  # noqa: F811
    days = [county.week1 + dt.timedelta(days=d) for d in range(3)]
    duties = _give_a1(county, days)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def leave():
        schedule_services.leave_create(
            staff=county.a1, start=local(days[0], 0), end=local(days[-1], 23), actor=county.scheduler
        )

    def closure():
        schedule_services.school_closure_create(
            school=county.schools[0], start_date=days[0], end_date=days[-1], actor=county.scheduler
        )

    def run(action):
        try:
            barrier.wait(timeout=30)
            _retrying(action)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(action,)) for action in (leave, closure)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert Leave.objects.count() == 1 and SchoolClosure.objects.count() == 1
    open_breaks = DutyBreak.objects.filter(cleared_at__isnull=True, assignment__in=[d.pk for d in duties])
    assert sorted(open_breaks.values_list("assignment_id", flat=True)) == sorted(d.pk for d in duties)
