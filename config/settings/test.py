"""Tests: PostgreSQL by default (the real thing), eager Celery unless a test starts a worker."""

from config.env import database_settings, env
from config.settings.base import *  # noqa: F403

DATABASES = {  # noqa: F811
    "default": database_settings("postgres://postgres:postgres@127.0.0.1:5432/backstop")
}
# A connection per request or task unless the environment asks otherwise: the reliability tests
# run workers both ways (production keeps them, decision 037).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/15")
# Worker processes started by tests (tests/settlement) run with CELERY_TASK_ALWAYS_EAGER=0.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SERVICE_SIGNING_KEY = env(
    "SERVICE_SIGNING_KEY",
    default="0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318",
)
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None}}  # noqa: F405
