"""The dead-letter list: failed money tasks that staff can inspect and send back."""

from __future__ import annotations

from celery import current_app
from django.db import transaction
from django.utils import timezone

from common.exceptions import Conflict, NotFound
from common.models import DeadLetter
from common.services.audit import audit_log_write


def dead_letter_record(
    *, task_name: str, task_id: str, args: list, kwargs: dict, error: str
) -> DeadLetter:
    letter, _ = DeadLetter.objects.get_or_create(
        task_id=task_id,
        defaults={"task_name": task_name, "args": args, "kwargs": kwargs, "error": error[:4000]},
    )
    return letter


def dead_letter_retry(*, letter_id: int, actor: str) -> DeadLetter:
    """Send the task back to its queue with the same arguments (tasks are idempotent)."""
    with transaction.atomic():
        letter = DeadLetter.objects.select_for_update().filter(pk=letter_id).first()
        if letter is None:
            raise NotFound.field("letter_id", f"no dead letter #{letter_id}")
        if letter.retried_at:
            raise Conflict.field("letter_id", f"dead letter #{letter_id} was already retried")
        letter.retried_at = timezone.now()
        letter.retried_by = actor
        letter.save(update_fields=["retried_at", "retried_by"])
        audit_log_write(
            actor=actor,
            action="backstop.common.dead_letter.retried",
            object_type="dead_letter",
            object_id=letter.pk,
            after={"task": letter.task_name, "args": letter.args},
        )
        task = current_app.tasks[letter.task_name]
        transaction.on_commit(lambda: task.apply_async(args=letter.args, kwargs=letter.kwargs))
    return letter
