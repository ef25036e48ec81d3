from __future__ import annotations

import pytest
from django.utils import translation

from common.roles import Role
from tests.factories import OfficerFactory, SchoolFactory, StationFactory, make_user


@pytest.fixture(scope="session", autouse=True)
def compiled_translations():
    """Compile the .po catalogues if needed, so a bare ``pytest`` run sees the Chinese UI too."""
    from django.core.management import call_command

    call_command("compile_translations", verbosity=0)


@pytest.fixture(scope="session", autouse=True)
def _end_other_database_sessions(django_db_setup, django_db_blocker):
    """Before the test database is dropped, end sessions left by worker threads.

    Servers and bridges run by the tests use asgiref's thread pools, whose
    threads keep their database connections; PostgreSQL refuses to drop a
    database that still has sessions.
    """
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def _restore_migration_rows(sender, **kwargs) -> None:
    from tests.migrations_helper import restore_migration_data

    restore_migration_data(
        "patrol.migrations.0002_default_window_rules:add_defaults",
        "campus.migrations.0006_default_drill_types_rules:forwards",
        renamed={"campus": "drills"},
    )


@pytest.fixture(scope="session", autouse=True)
def _migration_rows_after_every_flush(django_db_setup):
    """Write the rows the data migrations write (role groups, default drill types and rules, default duty
    windows) again after each transactional test's flush, as Django's own post-migrate does for content
    types. In one process, pytest-django runs the transactional tests last so nothing after them missed
    those rows; under pytest-xdist (``make test``) a worker takes whole files in turn, and a file of
    ordinary tests may follow a flush."""
    from django.apps import apps
    from django.db.models.signals import post_migrate

    post_migrate.connect(_restore_migration_rows, sender=apps.get_app_config("common"), dispatch_uid="tests-rows")
    yield
    post_migrate.disconnect(sender=apps.get_app_config("common"), dispatch_uid="tests-rows")


@pytest.fixture(autouse=True)
def english_messages():
    """Service-level messages in English, the language the tests assert in.

    Pages requested through the test client still follow the site default
    (zh-hans) unless the test asks for English; tests/common/test_i18n.py
    checks the Chinese side.
    """
    with translation.override("en"):
        yield


@pytest.fixture
def station(db):
    return StationFactory()


@pytest.fixture
def school(station):
    return SchoolFactory()


@pytest.fixture
def admin_user(db):
    return make_user(Role.BUREAU_ADMIN)


@pytest.fixture
def scheduler(db):
    return make_user(Role.BRIGADE_SCHEDULER)


@pytest.fixture
def leader(db):
    return make_user(Role.LEADERSHIP)


@pytest.fixture
def officer(station):
    return OfficerFactory(station=station)


@pytest.fixture
def staff_user(school):
    return make_user(Role.SCHOOL_STAFF, school=school)


@pytest.fixture
def english_client():
    """The test client asking for English pages, so a test can read the messages it checks.

    The packages whose tests read page text (patrol, incidents, drills) use it as their ``client``.
    """
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


def pytest_sessionfinish(session, exitstatus):
    """Remove this process's SQLite test database and its WAL files (config.settings.test)."""
    import os
    from pathlib import Path

    from django.conf import settings

    if not settings.configured or settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        return
    name = str(settings.DATABASES["default"].get("TEST", {}).get("NAME") or "")
    if not name or name == ":memory:" or f"-{os.getpid()}." not in name:
        return
    for suffix in ("", "-wal", "-shm"):
        Path(name + suffix).unlink(missing_ok=True)


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """Each test gets a fresh channel layer.

    A test that fails mid-receive can leave a channels_redis layer holding a lock bound to its event
    loop; every later test in another loop would then fail with "bound to a different event loop"
    (one flaky link-up timeout in CI took two more tests down with it this way).
    """
    yield
    from channels.layers import channel_layers

    channel_layers.backends.clear()
