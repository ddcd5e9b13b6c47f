import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from clearing.services.replay import replay_run
from common.exceptions import BackstopError


class Command(BaseCommand):
    help = "Run a scenario file (JSON lines, DESIGN.md 'Replay') through the real services."

    def add_arguments(self, parser):
        parser.add_argument("file", help="scenario file, one JSON object per line")
        parser.add_argument("--report", help="write the JSON report here (default: stdout)")
        parser.add_argument(
            "--dry-run", action="store_true", help="roll everything back after the report"
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        lines = path.read_text(encoding="utf-8").splitlines()
        quiet = options["verbosity"] == 0  # the impact preview reads only the error (decision 047)
        try:
            report = replay_run(
                lines=lines,
                rollback=options["dry_run"],
                progress=None
                if quiet
                else lambda items: tqdm(items, desc=path.name, unit="line", file=sys.stderr),
            )
        except BackstopError as exc:
            raise CommandError(f"{path}: {exc.message} (nothing was booked)") from None
        text = json.dumps(report, indent=2)
        if options["report"]:
            Path(options["report"]).write_text(text + "\n", encoding="utf-8")
            if not quiet:
                count = len(report["liquidations"])
                self.stdout.write(f"{count} liquidations settled; report in {options['report']}")
        else:
            self.stdout.write(text)
