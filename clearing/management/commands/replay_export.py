import sys
from datetime import timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from clearing.selectors.replay_export import replay_export
from common.exceptions import BackstopError

MAX_DAYS = 3650


class Command(BaseCommand):
    help = (
        "Write the last N days of clearing events (by event time) as replay lines "
        "(DESIGN.md 'Replay'), starting from the books as they stood then (decision 025)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30, help="window length (default 30)")
        parser.add_argument("--out", required=True, help="file to write, one JSON object a line")
        parser.add_argument(
            "--until", help="end of the window, ISO 8601 with a zone (default: now)"
        )

    def handle(self, *args, **options):
        days = options["days"]
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
            raise CommandError(f"--days must be a whole number from 1 to {MAX_DAYS}, got {days!r}")
        until = timezone.now()
        if options["until"]:
            until = parse_datetime(options["until"])
            if until is None or until.tzinfo is None:
                raise CommandError(
                    f"--until must be an ISO 8601 time with a zone, got {options['until']!r}"
                )
        out = Path(options["out"])
        if out.is_dir():
            raise CommandError(f"--out {out} is a directory; give a file name")
        if not out.parent.is_dir():
            raise CommandError(f"--out {out}: the folder {out.parent} does not exist")
        try:
            export = replay_export(
                since=until - timedelta(days=days),
                until=until,
                progress=lambda text: sys.stderr.write(f"replay_export: {text}\n"),
            )
        except BackstopError as exc:
            raise CommandError(exc.message) from None
        out.write_text("".join(line + "\n" for line in export.lines), encoding="utf-8")
        for note in export.notes:
            self.stderr.write(f"note: {note}")
        self.stdout.write(
            f"{len(export.lines)} lines ({export.events} events, "
            f"{export.opening_positions} positions open at the start) written to {out}"
        )
