from pathlib import Path

from django.core.management.base import BaseCommand

from clearing.scenarios.crash import crash_scenario_lines


class Command(BaseCommand):
    help = "Write a crash-day scenario (10 Oct 2025 shape) as replay lines; same seed, same file."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=2000)
        parser.add_argument("--seed", type=int, default=20251010)
        parser.add_argument("--out", required=True)

    def handle(self, *args, **options):
        lines = crash_scenario_lines(accounts=options["accounts"], seed=options["seed"])
        Path(options["out"]).write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.stdout.write(f"{len(lines)} lines written to {options['out']}")
