from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from fund.models import Entry
from fund.services.ledger_history_verify import history_verify
from fund.services.ledger_verify import balances_verify, chain_verify


class Command(BaseCommand):
    help = (
        "Prove the books: every cached balance equals the sum of its postings, the fund history "
        "(per-entry balances, daily and per-kind aggregates) equals the postings, and the hash "
        "chain verifies. Exits non-zero naming the first bad account, day or entry."
    )

    def handle(self, *args, **options):
        problem = balances_verify() or history_verify()
        if problem:
            raise CommandError(f"{problem.where}: {problem.reason}")
        total = Entry.objects.count()
        with tqdm(total=total, unit="entry", disable=total < 10000, file=self.stderr._out) as bar:
            problem = chain_verify(progress=bar.update)
        if problem:
            raise CommandError(f"{problem.where}: {problem.reason}")
        self.stdout.write(
            self.style.SUCCESS(f"ledger verified: {total} entries, balances and fund history match")
        )
