from django.core.management.base import BaseCommand, CommandError

from fund.services.staking_verify import staking_verify


class Command(BaseCommand):
    help = (
        "Prove the staking caches: every pool's totals, every position's shares and locked "
        "shares equal their share events and pending unstake requests."
    )

    def handle(self, *args, **options):
        problem = staking_verify()
        if problem:
            raise CommandError(f"{problem.where}: {problem.reason}")
        self.stdout.write(self.style.SUCCESS("staking verified: pools and positions match"))
