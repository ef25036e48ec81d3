"""Settings for ``make run``: the bureau's embedded default (SQLite, in-memory channel layer).

It is the main job a bureau starts, so it never runs in debug mode: a 500 shows the plain error
page, not a traceback with the settings. ``make dev`` sets ``DEBUG=1`` for developers. Without a
``SECRET_KEY`` in the environment, a random one is generated once and kept in ``var/secret_key``
(readable by the owner only), so sessions survive a restart and no two installations share a key.
"""

from __future__ import annotations

import os
import secrets

from common.env import env_bool

from .base import *  # noqa: F403
from .base import VAR_DIR

DEBUG = env_bool("DEBUG", False)
WHITENOISE_USE_FINDERS = True  # static files straight from the apps: no collectstatic step
WHITENOISE_AUTOREFRESH = DEBUG
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _kept_secret_key() -> str:
    path = VAR_DIR / "secret_key"
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


if not os.environ.get("SECRET_KEY"):
    SECRET_KEY = _kept_secret_key()
