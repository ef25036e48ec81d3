"""Production settings: refuse to start without a real SECRET_KEY, pass ``check --deploy``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k3y-" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_=+!@#$%^&*()"


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL")}
    environ.update(env)
    environ["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_secret_key(tmp_path):
    result = run_manage("check", SCHOOLSAFE_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_production_refuses_a_weak_secret_key(tmp_path):
    result = run_manage(
        "check", SECRET_KEY="short", ALLOWED_HOSTS="school.example.org", SCHOOLSAFE_VAR_DIR=str(tmp_path)
    )
    assert result.returncode != 0
    assert "at least 50 random characters" in result.stderr


def test_production_passes_check_deploy(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="school.example.org",
        SCHOOLSAFE_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_bad_environment_value_is_named(tmp_path):
    result = run_manage(
        "check",
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="x.org",
        SCHOOLSAFE_VAR_DIR=str(tmp_path),
        LIAISON_MAX_SCHOOLS_PER_OFFICER="many",
    )
    assert result.returncode != 0
    assert "LIAISON_MAX_SCHOOLS_PER_OFFICER='many' is not an integer" in result.stderr
