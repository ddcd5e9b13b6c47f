"""The impact preview's sandbox: child processes that replay a scenario (decision 047).

``governance.services.preview_sandbox`` starts them with ``DATABASE_URL`` set to
``PREVIEW_DATABASE_URL``. Celery is eager and the cache is the process's own, so a replay
reaches neither the live broker (whose workers book on the live database) nor the live cache.
"""

from config.settings.base import *  # noqa: F403

CELERY_BROKER_URL = ""
CELERY_TASK_ALWAYS_EAGER = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
