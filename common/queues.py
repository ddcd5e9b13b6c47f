"""How much work waits in the broker, for /healthz and the staff settlement page."""

from __future__ import annotations

from django.conf import settings

QUEUES = ("default", "clearing", "custody")


def queue_depths() -> dict[str, int] | None:
    """Messages waiting per queue (Redis lists), or None in eager mode (no broker)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return None
    from config.celery import app

    with app.connection_for_read() as conn:
        client = conn.default_channel.client
        return {queue: int(client.llen(queue)) for queue in QUEUES}
