import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from governance.verify import export_verify


class Command(BaseCommand):
    help = (
        "Recompute a proposal's tally from its export (GET /api/v1/governance/proposals/"
        "<id>/export/): proposal id, every ballot's EIP-712 signature, power from the "
        "snapshot, and the result. Uses nothing but the file."
    )

    def add_arguments(self, parser):
        parser.add_argument("export", type=Path)

    def handle(self, *args, export, **options):
        try:
            data = json.loads(export.read_text())
            report = export_verify(data)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CommandError(f"{export}: not a readable tally export ({exc})") from exc
        tally = report.tally.as_json()
        self.stdout.write(
            f"for {tally['for']}, against {tally['against']}, abstain {tally['abstain']}, "
            f"{tally['voters']} voters; quorum reached: {report.quorum_reached}; "
            f"passed: {report.passed}"
        )
        if report.unchecked_contract_ballots:
            self.stdout.write(
                f"{report.unchecked_contract_ballots} contract-wallet (EIP-1271) ballots "
                "need a node to check and were counted as given"
            )
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(report.problems)} problems found")
        self.stdout.write(self.style.SUCCESS("export verified"))
