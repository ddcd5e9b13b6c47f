"""Production: every secret from the environment, PostgreSQL and Redis required, HTTPS only."""

from config.env import SettingsError, required
from config.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = required("SECRET_KEY")
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    raise SettingsError("production needs DATABASE_URL=postgres://… (SQLite is for the demo)")
if CELERY_TASK_ALWAYS_EAGER:  # noqa: F405
    raise SettingsError("production needs CELERY_BROKER_URL=redis://… (eager mode is for the demo)")

# One cache shared by every web and worker process (rate limits count across workers):
# REDIS_URL, or the broker's Redis when REDIS_URL is not set.
_cache_url = REDIS_URL or (CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "")  # noqa: F405
if not _cache_url:
    raise SettingsError("production needs REDIS_URL=redis://… for the shared cache")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
}

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)  # noqa: F405
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)  # noqa: F405
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])  # noqa: F405
