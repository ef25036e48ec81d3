"""Settings for the test suite: a SQLite file per test process unless DATABASE_URL points elsewhere."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from common.env import sqlite_database_options


def _redis_url_of_worker(url: str, worker: str) -> str:
    """Under pytest-xdist each worker (``gw0``, ``gw1``, ...) gets a Redis database of its own (1, 2, ...):
    the cache keys (drone states by id) and channel-layer groups of one worker's tests must not reach
    another's. The same for the bridge and web processes a test starts: they inherit the rewritten URL."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{int(worker.removeprefix('gw')) + 1}"))


if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get("REDIS_URL", "").startswith("redis"):
    os.environ["REDIS_URL"] = _redis_url_of_worker(os.environ["REDIS_URL"], os.environ["PYTEST_XDIST_WORKER"])

from .base import *  # noqa: E402, F403

if not os.environ.get("DATABASE_URL"):
    # A SQLite *file* with the embedded default's options (WAL, busy timeout, immediate
    # transactions), not Django's shared-cache in-memory database: there a table lock fails at
    # once whatever the timeout, so the live-server tests (bridge writing flight reports while
    # the API reads) would test a database nobody runs. One file per test process.
    _test_db = Path(tempfile.gettempdir()) / f"schoolsafe-test-{os.getpid()}.sqlite3"
    _options = {**sqlite_database_options(), "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"}
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(_test_db),
            "OPTIONS": _options,
            "TEST": {"NAME": str(_test_db)},
        }
    }
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
LANGUAGE_CODE = "zh-hans"
AUDIT_LOG_ALLOW_PURGE = True  # lets pytest flush the database; the append-only test turns it off
# Close connections at the end of each request so servers run in threads by the tests
# (uvicorn for browser and websocket tests) leave none open when the test database is dropped.
DATABASES["default"]["CONN_MAX_AGE"] = 0
# Uploaded files (broadcast clips) go to a directory of this test process, never into var/media.
MEDIA_ROOT = Path(tempfile.gettempdir()) / f"schoolsafe-test-media-{os.getpid()}"
# Base-map tiles (common.tiles): a directory of this test process, never var/tiles.
MAP_TILES_DIR = Path(tempfile.gettempdir()) / f"schoolsafe-test-tiles-{os.getpid()}"
# Tests count the track points a bridge writes for parked simulated drones: every second, as in flight.
# tests/drones/test_track_retention.py turns the parked downsampling on; the daily clean-up job is off.
DRONE_TRACK_PARKED_S = 0.0
DRONE_TRACK_PURGE_INTERVAL_S = 0.0
# Notices: queued deliveries are sent only when a test calls the sender (tests/notices).
NOTICE_DELIVER_INTERVAL_S = 0.0
