from django.core.management.base import BaseCommand

from common.demo import demo_steps


class Command(BaseCommand):
    help = "Load the demo (idempotent): every app's demo steps, in order, with progress."

    def handle(self, *args, **options):
        steps = demo_steps()
        for index, step in enumerate(steps, 1):
            self.stdout.write(self.style.MIGRATE_HEADING(f"[{index}/{len(steps)}] {step.title}"))
            step.run(lambda line: self.stdout.write(f"    {line}"))
        self.stdout.write(self.style.SUCCESS("demo loaded"))
