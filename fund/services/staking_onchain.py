"""What custody's indexer calls when it sees a transfer of a fund's asset to the fund's Safe."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from common.exceptions import Conflict, Invalid
from fund.models import Fund, OnchainDeposit
from fund.services.staking import TX_HASH, member_address_check


def onchain_deposit_record(
    *,
    tx_hash: str,
    chain_id: int,
    fund: Fund,
    from_address: str,
    amount: int,
    block_number: int,
    confirmed_block: int | None,
    seen_at: datetime,
) -> OnchainDeposit:
    """Record a transfer, or update its block and confirmation (after a reorg, a new block).

    Idempotent by tx hash. Once staked, the row is final: a different sender, amount or fund
    for the same hash is refused, and so is a move to another block.
    """
    if not TX_HASH.match(tx_hash or ""):
        raise Invalid.field("tx_hash", "must be a 0x-prefixed 32-byte hex transaction hash")
    if amount <= 0:
        raise Invalid.field("amount", "must be positive")
    values = {
        "chain_id": chain_id,
        "fund": fund,
        "from_address": member_address_check(from_address, path="from_address"),
        "amount": amount,
        "block_number": block_number,
        "confirmed_block": confirmed_block,
    }
    with transaction.atomic():
        row = OnchainDeposit.objects.select_for_update().filter(tx_hash=tx_hash.lower()).first()
        if row is None:
            return OnchainDeposit.objects.create(tx_hash=tx_hash.lower(), seen_at=seen_at, **values)
        changed = {k: v for k, v in values.items() if getattr(row, k) != v}
        if changed and hasattr(row, "stake"):
            raise Conflict.field("tx_hash", "this transfer is already staked; it cannot change")
        for key, value in changed.items():
            setattr(row, key, value)
        if changed:
            row.save(update_fields=[*changed])
        return row
