"""Task plumbing for money work: retries on transient errors, hard limits, a dead-letter list.

Tasks stay thin (load by id, call one service). They are idempotent by a natural key, so a
redelivery after a worker crash (acks late) or a retry never books twice.
"""

from __future__ import annotations

from celery import Task
from django.db import InterfaceError, OperationalError, transaction

from common.exceptions import ExternalUnavailable, LockTimeout

TRANSIENT = (OperationalError, InterfaceError, LockTimeout, ExternalUnavailable, ConnectionError)


class MoneyTask(Task):
    """Base for tasks that move money: bounded retries with jittered backoff, hard limits."""

    autoretry_for = TRANSIENT
    retry_backoff = 1
    retry_backoff_max = 30
    retry_jitter = True
    max_retries = 10
    acks_late = True
    reject_on_worker_lost = True
    time_limit = 300
    soft_time_limit = 240

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        from common.services.dead_letters import dead_letter_record

        dead_letter_record(
            task_name=self.name,
            task_id=task_id,
            args=list(args),
            kwargs=dict(kwargs),
            error=f"{type(exc).__name__}: {exc}",
        )


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Send the task once the surrounding transaction commits (at once outside one)."""
    transaction.on_commit(lambda: task.apply_async(args=args, kwargs=kwargs))
