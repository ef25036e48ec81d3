"""Settings for ``make run`` on a developer or demo machine."""

from __future__ import annotations

from common.env import env_bool

from .base import *  # noqa: F403
from .base import VAR_DIR

DEBUG = env_bool("DEBUG", True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
VAR_DIR.mkdir(parents=True, exist_ok=True)
