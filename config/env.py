"""One place that reads the process environment, so every setting has a visible default."""

import re
import warnings
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(str(env_file))


class SettingsError(SystemExit):
    """Raised at import time for a setting that cannot work; prints one readable line.

    A ``SystemExit`` so that manage.py, gunicorn and celery stop with the message and exit
    status 1 instead of a traceback.
    """

    def __init__(self, message: str):
        super().__init__(f"settings error: {' '.join(message.split())}")


def required(name: str) -> str:
    """A setting that has no safe default (production secrets)."""
    value = env(name, default="")
    if not value:
        raise SettingsError(f"{name} must be set in the environment")
    return value


def redact(url: str) -> str:
    """The URL with any password replaced, fit for an error message or a log line."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def database_config(url: str, *, name: str = "DATABASE_URL") -> dict:
    """Parse a database URL, refusing anything but PostgreSQL and SQLite with a one-line error.

    ``name`` is the setting the URL came from, so the error names the one to fix.
    """
    shown = repr(redact(url))
    try:
        with warnings.catch_warnings():
            # django-environ warns (on stderr) about an unknown scheme; we say it once below.
            warnings.simplefilter("ignore")
            config = environ.Env.db_url_config(url)
    except Exception as exc:  # django-environ raises several types for bad URLs
        raise SettingsError(f"{name} is not a valid database URL ({exc}): {shown}") from None
    engine = config.get("ENGINE", "")
    if engine not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
        raise SettingsError(
            f"{name} must be postgres://… or sqlite:///…, got engine {engine!r} from {shown}"
        )
    if engine.endswith("postgresql") and not config.get("NAME"):
        raise SettingsError(f"{name} names no database: {shown}")
    return config


def database_settings(default_url: str) -> dict:
    """DATABASES["default"] from DATABASE_URL (or ``default_url`` when unset or empty)."""
    config = database_config(env("DATABASE_URL", default="") or default_url)
    config["ATOMIC_REQUESTS"] = False  # transactions stay explicit, in the services
    if config["ENGINE"].endswith("postgresql"):
        # Guard rails: no statement, lock wait or idle transaction may hang a worker forever.
        config.setdefault("OPTIONS", {})["options"] = (
            "-c statement_timeout=60000 -c lock_timeout=10000 "
            "-c idle_in_transaction_session_timeout=120000"
        )
        config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
        config["CONN_HEALTH_CHECKS"] = True
    else:
        config.setdefault("OPTIONS", {})["timeout"] = 30
    return config
