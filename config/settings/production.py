"""Production: every secret from the environment, PostgreSQL and Redis required, HTTPS only."""

from config.env import SettingsError
from config.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env("SECRET_KEY")  # noqa: F405
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    raise SettingsError("production needs DATABASE_URL=postgres://… (SQLite is for the demo)")
if CELERY_TASK_ALWAYS_EAGER:  # noqa: F405
    raise SettingsError("production needs CELERY_BROKER_URL=redis://… (eager mode is for the demo)")

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)  # noqa: F405
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)  # noqa: F405
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
