"""Development and the demo: debug on, embedded defaults (SQLite, eager Celery) unless set."""

from config.settings.base import *  # noqa: F403

DEBUG = env.bool("DEBUG", default=True)  # noqa: F405
