"""Rewinding readings whose block is no longer on the chain (a reorganisation).

Readings are taken ``confirmations`` blocks behind the head, so a reorg reaching them is rare
and serious: the rows are marked ``rewound_at`` (kept for the record, skipped by selectors),
an alert is raised, and the next beat reads again at a block of the new chain.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from custody.clients.chain import ChainClient, chain_client
from custody.models import BalanceReading, CustodyAlert, ReserveEpoch, SafeReading
from custody.services.alerts import custody_alert_raise

REORG_WINDOW = 1024  # blocks behind the head that are re-checked on every run


def readings_reorg_check(*, chain_id: int, client: ChainClient | None = None) -> int:
    """Mark readings on blocks that left the chain; returns how many rows were rewound."""
    client = client or chain_client(chain_id)
    head = client.head()
    live = {"wallet__chain_id": chain_id, "rewound_at__isnull": True}
    models = (SafeReading, BalanceReading)
    blocks = set()
    for model in models:
        blocks |= set(
            model.objects.filter(**live, block_number__gt=head - REORG_WINDOW).values_list(
                "block_number", "block_hash"
            )
        )
    gone = {(n, h) for n, h in blocks if client.block_hash(n) != h}
    rewound = 0
    with transaction.atomic():
        for number, block_hash in sorted(gone):
            for model in models:
                rows = model.objects.filter(**live, block_number=number, block_hash=block_hash)
                wallets = {row.wallet for row in rows.select_related("wallet")}
                rewound += rows.update(rewound_at=timezone.now())
                for wallet in wallets:
                    custody_alert_raise(
                        kind=CustodyAlert.Kind.REORG,
                        message=f"{wallet}: block {number} left the chain; readings rewound",
                        details={"block_number": number, "block_hash": block_hash},
                        wallet=wallet,
                    )
        _epochs_check(client, head)
    return rewound


def _epochs_check(client: ChainClient, head: int) -> None:
    """A published epoch pinned to a block that left the chain is flagged, never rewritten."""
    flagged = set(
        CustodyAlert.objects.filter(
            kind=CustodyAlert.Kind.REORG, details__has_key="epoch"
        ).values_list("details__epoch", flat=True)
    )
    for epoch in ReserveEpoch.objects.exclude(number__in=flagged)[:20]:
        for pin in epoch.chains:
            if pin["chain_id"] != client.chain_id or pin["block_number"] <= head - REORG_WINDOW:
                continue
            if client.block_hash(pin["block_number"]) != pin["block_hash"]:
                custody_alert_raise(
                    kind=CustodyAlert.Kind.REORG,
                    message=f"epoch {epoch.number}: block {pin['block_number']} left the chain",
                    details={"epoch": epoch.number, **pin},
                )
