"""Periodic jobs, declared in code by each app's ``schedules.py`` and installed idempotently.

``manage.py setup_periodic_tasks`` writes them into django-celery-beat's tables at deploy
time, so the schedule lives in version control and beat reads it from the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class Periodic:
    name: str
    task: str
    every_seconds: int | None = None
    crontab: str | None = None  # "minute hour day_of_month month_of_year day_of_week"
    why: str = ""


SCHEDULE: dict[str, Periodic] = {}


def periodic(*jobs: Periodic) -> None:
    for job in jobs:
        if (job.every_seconds is None) == (job.crontab is None):
            raise ValueError(
                f"periodic job {job.name!r}: give exactly one of every_seconds, crontab"
            )
        SCHEDULE[job.name] = job


def all_periodic() -> list[Periodic]:
    autodiscover_modules("schedules")
    return sorted(SCHEDULE.values(), key=lambda job: job.name)
