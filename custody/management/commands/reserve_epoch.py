from django.core.management.base import BaseCommand, CommandError

from common.exceptions import BackstopError
from custody.services.epochs import reserve_epoch_create


class Command(BaseCommand):
    help = "Measure reserves, build and sign the next reserve-proof epoch, publish it."

    def add_arguments(self, parser):
        parser.add_argument("--out", help="also write the signed bundle JSON to this file")

    def handle(self, *args, out=None, **options):
        try:
            epoch = reserve_epoch_create(actor="command")
        except BackstopError as exc:
            raise CommandError(exc.message) from exc
        if out:
            with open(out, "w", encoding="utf-8") as handle:
                handle.write(epoch.bundle)
        self.stdout.write(
            f"epoch {epoch.number}: ledger cut #{epoch.cut_seq}, root {epoch.ledger_root or '-'}, "
            f"signed by {epoch.signer}"
        )
        for status in epoch.funds.select_related("fund"):
            verdict = {True: "covered", False: "SHORT (payouts paused)", None: "not measured"}
            self.stdout.write(
                f"  {status.fund}: assets {status.assets if status.assets is not None else '-'}"
                f" vs liabilities {status.liabilities}: {verdict[status.solvent]}"
            )
