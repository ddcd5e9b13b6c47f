"""One place that reads the process environment, so every setting has a visible default."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(str(env_file))


class SettingsError(SystemExit):
    """Raised at import time for a setting that cannot work; prints one readable line."""


def database_config(url: str) -> dict:
    """Parse DATABASE_URL, refusing anything but PostgreSQL and SQLite with a one-line error."""
    try:
        config = environ.Env.db_url_config(url)
    except Exception as exc:  # django-environ raises several types for bad URLs
        raise SettingsError(f"DATABASE_URL is not a valid database URL ({exc}): {url!r}") from exc
    engine = config.get("ENGINE", "")
    if engine not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
        raise SettingsError(
            f"DATABASE_URL must be postgres://… or sqlite:///…, got engine {engine!r} from {url!r}"
        )
    if engine.endswith("postgresql") and not config.get("NAME"):
        raise SettingsError(f"DATABASE_URL names no database: {url!r}")
    return config
