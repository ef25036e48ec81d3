"""The settings helper fails loudly, naming the variable and the problem."""

from __future__ import annotations

import pytest

from common.env import EnvError, env_bool, env_database, env_float, env_int, env_list, env_str, env_url


def test_required_string_missing_names_the_variable():
    with pytest.raises(EnvError, match="SECRET_KEY is required"):
        env_str("SECRET_KEY", environ={})


def test_bool_accepts_common_spellings_and_rejects_others():
    assert env_bool("X", False, environ={"X": "Yes"}) is True
    assert env_bool("X", True, environ={"X": "0"}) is False
    with pytest.raises(EnvError, match=r"X='maybe' is not a boolean"):
        env_bool("X", False, environ={"X": "maybe"})


def test_int_range_and_type():
    assert env_int("N", 5, environ={}) == 5
    assert env_int("N", 5, environ={"N": "7"}) == 7
    with pytest.raises(EnvError, match="not an integer"):
        env_int("N", 5, environ={"N": "seven"})
    with pytest.raises(EnvError, match="below the minimum 1"):
        env_int("N", 5, min_value=1, environ={"N": "0"})


def test_float_rejects_nan_and_out_of_range():
    with pytest.raises(EnvError, match="NaN"):
        env_float("H", 1.0, environ={"H": "nan"})
    with pytest.raises(EnvError, match="above the maximum 500"):
        env_float("H", 1.0, max_value=500, environ={"H": "900"})


def test_list_splits_on_commas():
    assert env_list("HOSTS", ["a"], environ={"HOSTS": "x.org, y.org,,"}) == ["x.org", "y.org"]


def test_url_scheme_is_checked():
    assert env_url("REDIS_URL", None, schemes=("redis",), environ={}) is None
    with pytest.raises(EnvError, match="must be a URL starting with one of redis://"):
        env_url("REDIS_URL", None, schemes=("redis",), environ={"REDIS_URL": "http://x"})


def test_database_url_parses_postgres_and_defaults_to_sqlite():
    pg = env_database("DATABASE_URL", "/tmp/x.sqlite3", environ={"DATABASE_URL": "postgres://u@db:5432/app"})
    assert pg["ENGINE"] == "django.db.backends.postgresql" and pg["NAME"] == "app" and pg["HOST"] == "db"
    lite = env_database("DATABASE_URL", "/tmp/x.sqlite3", environ={})
    assert lite["ENGINE"] == "django.db.backends.sqlite3" and lite["NAME"] == "/tmp/x.sqlite3"
    with pytest.raises(EnvError, match="DATABASE_URL must be a URL"):
        env_database("DATABASE_URL", "/tmp/x", environ={"DATABASE_URL": "mysql://u@h/db"})
