"""What "the books" are for the fuzzer: a refused write must leave every one of these equal.

Row counts of every model of the service's apps (the ledger, audit log, parameter versions,
payouts, proposals, ballots, wallets, …), the ledger's tip sequence, every non-zero account
balance, and the status or state of each row that has one (an approval is an update).
A refused mark is kept, with its reason (docs/clearing.md: "an absurd mark → 400, logged"),
so marks count only the accepted ones.
"""

from __future__ import annotations

from django.apps import apps
from django.db.models import Max

BOOK_APPS = ("common", "fund", "clearing", "governance", "custody")
STATE_FIELDS = ("status", "state")
COUNTED = {"clearing.MarkPrice": {"accepted": True}}  # rows a refusal may add are not counted


def books_snapshot() -> dict:
    from fund.models import Entry, LedgerAccount

    snapshot: dict = {
        "ledger_tip": Entry.objects.aggregate(seq=Max("seq"))["seq"],
        "balances": list(
            LedgerAccount.objects.exclude(balance=0).order_by("pk").values_list("pk", "balance")
        ),
    }
    for label in BOOK_APPS:
        for model in apps.get_app_config(label).get_models():
            name = model._meta.label
            snapshot[name] = model.objects.filter(**COUNTED.get(name, {})).count()
            fields = {f.name for f in model._meta.concrete_fields}
            for state in STATE_FIELDS:
                if state in fields:
                    rows = model.objects.order_by("pk").values_list("pk", state)
                    snapshot[f"{name}.{state}"] = list(rows)
    return snapshot
