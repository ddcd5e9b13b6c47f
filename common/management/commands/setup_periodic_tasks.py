from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from common.schedules import all_periodic


class Command(BaseCommand):
    help = "Install the periodic jobs every app declares in its schedules.py (idempotent)."

    def handle(self, *args, **options):
        jobs = all_periodic()
        with transaction.atomic():
            for job in jobs:
                fields = {
                    "task": job.task,
                    "description": job.why,
                    "enabled": True,
                    "interval": None,
                    "crontab": None,
                }
                if job.every_seconds is not None:
                    fields["interval"], _ = IntervalSchedule.objects.get_or_create(
                        every=job.every_seconds, period=IntervalSchedule.SECONDS
                    )
                else:
                    minute, hour, dom, month, dow = job.crontab.split()
                    fields["crontab"], _ = CrontabSchedule.objects.get_or_create(
                        minute=minute,
                        hour=hour,
                        day_of_month=dom,
                        month_of_year=month,
                        day_of_week=dow,
                        timezone="UTC",
                    )
                PeriodicTask.objects.update_or_create(name=job.name, defaults=fields)
            stale = PeriodicTask.objects.exclude(name__in=[j.name for j in jobs]).exclude(
                name__startswith="celery."
            )
            removed = stale.count()
            stale.delete()
        self.stdout.write(
            self.style.SUCCESS(f"{len(jobs)} periodic jobs installed, {removed} stale removed")
        )
