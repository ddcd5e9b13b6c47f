from django.db import models


class DeadLetter(models.Model):
    """A task that failed for good (retries exhausted or a non-transient error).

    Staff see these and can send one back to its queue; tasks are idempotent, so a retry of
    work that in fact finished does nothing.
    """

    task_name = models.CharField(max_length=200)
    task_id = models.CharField(max_length=100, unique=True)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    error = models.TextField()
    failed_at = models.DateTimeField(auto_now_add=True)
    retried_at = models.DateTimeField(null=True, blank=True)
    retried_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-failed_at"]

    def __str__(self) -> str:
        return f"{self.task_name} {self.task_id}"
