"""Celery application; settings come from Django settings with the CELERY_ prefix."""

import gc
import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("backstop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _connections_check(task=None, **kwargs) -> None:
    """Keep a worker's database connection across tasks as Django keeps a web worker's
    across requests: closed when broken or older than CONN_MAX_AGE, health-checked before
    its next use (a task after a database restart reconnects). Celery would otherwise open a
    new session per task (``CELERY_DB_REUSE_MAX``, decision 037)."""
    if task is not None and task.request.is_eager:
        return  # runs inside the caller's transaction
    from django.db import close_old_connections

    close_old_connections()


@worker_process_init.connect
def _heap_freeze(**kwargs) -> None:
    """What the worker imported lives as long as it does: leave it out of every collection
    (about 5 % of a settlement batch's time was the collector walking it)."""
    gc.freeze()
