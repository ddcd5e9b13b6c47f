"""Settings load in every mode, and a bad setting stops the process with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_URL = "postgres://postgres:postgres@127.0.0.1:5432/backstop"
PROBE = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_TASK_ALWAYS_EAGER, "
    "settings.DEBUG)"
)
CLEARED = ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "SECRET_KEY", "DEBUG")


def run(module: str, code: str = PROBE, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in CLEARED}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": module, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in CLEARED}
    base.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("module", "env", "expected"),
    [
        ("config.settings.base", {}, "django.db.backends.sqlite3 True False"),
        ("config.settings.local", {}, "django.db.backends.sqlite3 True True"),
        ("config.settings.test", {"DATABASE_URL": PG_URL}, "django.db.backends.postgresql True"),
        (
            "config.settings.production",
            {
                "SECRET_KEY": "x" * 60,
                "DATABASE_URL": PG_URL,
                "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
            },
            "django.db.backends.postgresql False False",
        ),
    ],
)
def test_settings_load_in_every_mode(module, env, expected):
    result = run(module, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith(expected)


def test_local_uses_redis_cache_only_when_configured():
    code = "import django; django.setup(); from django.conf import settings; print(settings.CACHES)"
    assert "LocMemCache" in run("config.settings.local", code).stdout
    with_redis = run("config.settings.local", code, REDIS_URL="redis://127.0.0.1:6379/3")
    assert "RedisCache" in with_redis.stdout


def test_production_uses_the_broker_redis_as_shared_cache():
    code = "import django; django.setup(); from django.conf import settings; print(settings.CACHES)"
    result = run(
        "config.settings.production",
        code,
        SECRET_KEY="x" * 60,
        DATABASE_URL=PG_URL,
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert "RedisCache" in result.stdout and "redis://127.0.0.1:6379/0" in result.stdout


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "x" * 60}, "production needs DATABASE_URL=postgres://"),
        (
            {"SECRET_KEY": "x" * 60, "DATABASE_URL": "sqlite:////tmp/prod.sqlite3"},
            "SQLite is for the demo",
        ),
        ({"SECRET_KEY": "x" * 60, "DATABASE_URL": PG_URL}, "production needs CELERY_BROKER_URL"),
    ],
)
def test_production_refuses_what_it_cannot_run_on(env, needle):
    line = one_line_error(run("config.settings.production", **env))
    assert needle in line


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("mysql://x", "must be postgres://… or sqlite:///…, got engine 'django.db.backends.mysql'"),
        ("nonsense", "must be postgres://… or sqlite:///…, got engine ''"),
        ("postgres://", "names no database"),
        ("postgres://u:hunter2@h:port/db", "not a valid database URL"),
    ],
)
def test_wrong_database_url_is_one_clear_line(url, needle):
    result = manage("check", DATABASE_URL=url)
    line = one_line_error(result)
    assert line.startswith("settings error: DATABASE_URL")
    assert needle in line
    assert "hunter2" not in line  # a password never lands in the message


def test_empty_database_url_means_the_embedded_default():
    result = run("config.settings.local", DATABASE_URL="")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("django.db.backends.sqlite3")


def test_demo_loads_on_the_embedded_database(tmp_path):
    """``make run``'s path on SQLite: migrate, the whole demo (the crash replayed through
    settlement included), and books that check out."""
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.local"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    base = {k: v for k, v in os.environ.items() if k not in CLEARED}
    for args in (["migrate", "--noinput"], ["demo"], ["ledger_check"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**base, **env},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, (args, done.stderr[-2000:])
