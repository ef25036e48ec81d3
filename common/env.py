"""Reading settings from the environment.

Every environment read in ``config/settings`` goes through these helpers so a
bad value stops the process at start-up with a message naming the variable,
the value and what was expected, instead of failing later in a request.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

_MISSING: Any = object()
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class EnvError(ImproperlyConfigured):
    """An environment variable is missing or has a value we cannot use."""


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    source = os.environ if environ is None else environ
    value = source.get(name)
    return None if value is None else value.strip()


def env_str(name: str, default: str = _MISSING, *, environ: Mapping[str, str] | None = None) -> str:
    value = _raw(name, environ)
    if value is None or value == "":
        if default is _MISSING:
            raise EnvError(f"Environment variable {name} is required but not set.")
        return default
    return value


def env_bool(name: str, default: bool, *, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise EnvError(
        f"Environment variable {name}={value!r} is not a boolean; use one of 1/0, true/false, yes/no, on/off."
    )


def env_int(
    name: str,
    default: int,
    *,
    min_value: int | None = None,
    max_value: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    value = _raw(name, environ)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise EnvError(f"Environment variable {name}={value!r} is not an integer.") from None
    if min_value is not None and number < min_value:
        raise EnvError(f"Environment variable {name}={number} is below the minimum {min_value}.")
    if max_value is not None and number > max_value:
        raise EnvError(f"Environment variable {name}={number} is above the maximum {max_value}.")
    return number


def env_float(
    name: str,
    default: float,
    *,
    min_value: float | None = None,
    max_value: float | None = None,
    environ: Mapping[str, str] | None = None,
) -> float:
    value = _raw(name, environ)
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except ValueError:
        raise EnvError(f"Environment variable {name}={value!r} is not a number.") from None
    if number != number:  # NaN
        raise EnvError(f"Environment variable {name} is NaN.")
    if min_value is not None and number < min_value:
        raise EnvError(f"Environment variable {name}={number} is below the minimum {min_value}.")
    if max_value is not None and number > max_value:
        raise EnvError(f"Environment variable {name}={number} is above the maximum {max_value}.")
    return number


def env_list(name: str, default: list[str], *, environ: Mapping[str, str] | None = None) -> list[str]:
    value = _raw(name, environ)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url(
    name: str,
    default: str | None,
    *,
    schemes: tuple[str, ...],
    environ: Mapping[str, str] | None = None,
) -> str | None:
    """A URL whose scheme must be one of ``schemes``; ``None`` when unset and no default."""
    value = _raw(name, environ)
    if value is None or value == "":
        return default
    parsed = urlparse(value)
    if parsed.scheme not in schemes:
        raise EnvError(
            f"Environment variable {name} must be a URL starting with one of "
            f"{', '.join(s + '://' for s in schemes)}; got scheme {parsed.scheme or '(none)'!r}."
        )
    if not parsed.hostname and parsed.scheme not in ("sqlite", "unix"):
        raise EnvError(f"Environment variable {name} has no host name.")
    return value


SQLITE_BUSY_TIMEOUT_S = 20


def sqlite_database_options() -> dict[str, Any]:
    """Django ``OPTIONS`` for the embedded SQLite database (WAL, busy timeout, immediate transactions)."""
    return {
        "timeout": SQLITE_BUSY_TIMEOUT_S,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }


def env_database(name: str, default_sqlite_path: str, *, environ: Mapping[str, str] | None = None) -> dict:
    """Django DATABASES['default'] from ``name`` (PostgreSQL or SQLite URL), else a SQLite file."""
    import dj_database_url

    url = env_url(name, None, schemes=("postgres", "postgresql", "sqlite"), environ=environ)
    # WAL lets the embedded telemetry bridge write track points while pages read. IMMEDIATE makes
    # every transaction take the write lock at BEGIN, where a busy writer is waited for (up to
    # ``timeout`` s); a deferred transaction that reads and then writes fails at once with
    # "database is locked" when another write committed in between, whatever the timeout.
    sqlite_options = sqlite_database_options()
    if url is None:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": default_sqlite_path, "OPTIONS": sqlite_options}
    try:
        # No persistent connections: under ASGI a request's sync code runs in executor threads, and a
        # connection kept open per thread is never closed by the request cycle (Django's ASGI advice).
        config = dj_database_url.parse(url, conn_max_age=0)
    except ValueError as exc:
        raise EnvError(f"Environment variable {name} is not a usable database URL: {exc}") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = sqlite_options
    return config
