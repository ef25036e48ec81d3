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


def run_local(*args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "DATABASE_URL")}
    environ.update(env)
    environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120
    )


PRINT_SETTINGS = "from django.conf import settings; print(settings.DEBUG, settings.SECRET_KEY)"


def test_make_run_settings_are_not_debug_and_keep_a_generated_secret_key(tmp_path):
    first = run_local("shell", "-v", "0", "-c", PRINT_SETTINGS, SCHOOLSAFE_VAR_DIR=str(tmp_path))
    assert first.returncode == 0, first.stderr
    debug, key = first.stdout.split()
    assert debug == "False"
    key_file = tmp_path / "secret_key"
    assert key == key_file.read_text().strip() and len(key) >= 50 and not key.startswith("insecure")
    assert key_file.stat().st_mode & 0o077 == 0  # the owner's only
    again = run_local("shell", "-v", "0", "-c", PRINT_SETTINGS, SCHOOLSAFE_VAR_DIR=str(tmp_path))
    assert again.stdout.split()[1] == key  # kept across restarts


def test_make_dev_turns_debug_on_and_an_environment_key_wins(tmp_path):
    result = run_local(
        "shell", "-v", "0", "-c", PRINT_SETTINGS, SCHOOLSAFE_VAR_DIR=str(tmp_path), DEBUG="1", SECRET_KEY=GOOD_KEY
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", GOOD_KEY]
    assert not (tmp_path / "secret_key").exists()
