"""Development and the demo: debug on, embedded defaults (SQLite, eager Celery) unless set."""

from config.settings.base import *  # noqa: F403

DEBUG = env.bool("DEBUG", default=True)  # noqa: F405

# Development only: signs the demo's reserve-proof epochs (eth-account's documented example
# key, public). Production must set its own SERVICE_SIGNING_KEY.
SERVICE_SIGNING_KEY = env(  # noqa: F405
    "SERVICE_SIGNING_KEY",
    default="0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318",
)
