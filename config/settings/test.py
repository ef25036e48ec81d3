"""Settings for the test suite: SQLite in memory unless DATABASE_URL points elsewhere."""

from __future__ import annotations

import os

from .base import *  # noqa: F403

if not os.environ.get("DATABASE_URL"):
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
LANGUAGE_CODE = "zh-hans"
AUDIT_LOG_ALLOW_PURGE = True  # lets pytest flush the database; the append-only test turns it off
# Close connections at the end of each request so servers run in threads by the tests
# (uvicorn for browser and websocket tests) leave none open when the test database is dropped.
DATABASES["default"]["CONN_MAX_AGE"] = 0
