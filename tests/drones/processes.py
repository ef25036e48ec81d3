"""What the tests that run the scale path in several processes share: whether PostgreSQL and Redis are
there, and starting and stopping a process of this project (simulator, bridge, web)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def services_missing() -> str | None:
    """Why the multi-process tests cannot run here, or None."""
    if not settings.REDIS_URL:
        return "needs REDIS_URL: the bridge and web processes meet on Redis"
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "needs DATABASE_URL (PostgreSQL): the other processes must read the test's database"
    return None


def spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    """``python ARGS`` in the project's directory, its output kept for ``stop``."""
    return subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def stop(process: subprocess.Popen, timeout_s: float = 15) -> str:
    """Terminate (kill after ``timeout_s``) and return what the process printed."""
    process.terminate()
    try:
        out, _ = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    return out or ""
