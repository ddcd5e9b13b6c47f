"""Reading Safes and balances at a confirmed block, and raising alerts when control changes.

Each read pins one block (number and hash), reads everything at that number, then checks the
hash is still the same, so a reading never mixes two forks. The node is called outside any
database transaction; only the store-and-compare step is atomic.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from common.exceptions import ExternalUnavailable
from custody.clients.chain import BlockRef, ChainClient, chain_client
from custody.clients.safe import SafeClient
from custody.models import BalanceReading, CustodyAlert, SafeReading, TrackedWallet
from custody.services.alerts import custody_alert_raise
from governance.selectors.params import param_get

NATIVE = ""
Change = tuple[str, str, dict]


def pinned_block(client: ChainClient) -> BlockRef:
    return client.confirmed_block(param_get("confirmations"))


def _still_there(client: ChainClient, block: BlockRef) -> None:
    if client.block_hash(block.number) != block.hash:
        raise ExternalUnavailable(
            f"chain {client.chain_id} reorganised at block {block.number} during the read; retry"
        )


def safe_changes(old: SafeReading, new: SafeReading) -> list[Change]:
    """What changed in a Safe's control between two readings, as (kind, message, details)."""
    kinds = CustodyAlert.Kind
    changes: list[Change] = []
    for owner in sorted(set(new.owners) - set(old.owners)):
        changes.append((kinds.OWNER_ADDED, f"new owner {owner}", {"owner": owner}))
    for owner in sorted(set(old.owners) - set(new.owners)):
        changes.append((kinds.OWNER_REMOVED, f"owner {owner} removed", {"owner": owner}))
    if new.threshold < old.threshold:
        detail = {"from": old.threshold, "to": new.threshold}
        changes.append(
            (kinds.THRESHOLD_LOWERED, f"threshold {old.threshold} → {new.threshold}", detail)
        )
    for module in sorted(set(new.modules) - set(old.modules)):
        changes.append((kinds.MODULE_ADDED, f"module {module} enabled", {"module": module}))
    for field, kind in (
        ("guard", kinds.GUARD_CHANGED),
        ("fallback_handler", kinds.FALLBACK_CHANGED),
        ("singleton", kinds.SINGLETON_CHANGED),
    ):
        before, after = getattr(old, field), getattr(new, field)
        if before != after:
            changes.append((kind, f"{field} {before} → {after}", {"from": before, "to": after}))
    return changes


def safe_state_read(
    *, wallet: TrackedWallet, client: ChainClient | None = None, block: BlockRef | None = None
) -> SafeReading:
    """Read and store the Safe's configuration at the pinned block; alert on control changes."""
    client = client or chain_client(wallet.chain_id)
    block = block or pinned_block(client)
    state = SafeClient(client).state(wallet.address, block=block.number)
    _still_there(client, block)
    with transaction.atomic():
        existing = SafeReading.objects.filter(
            wallet=wallet, block_hash=block.hash, rewound_at__isnull=True
        ).first()
        if existing:
            return existing
        previous = (
            SafeReading.objects.select_for_update()
            .filter(wallet=wallet, rewound_at__isnull=True, block_number__lte=block.number)
            .first()
        )
        reading = SafeReading.objects.create(
            wallet=wallet,
            block_number=block.number,
            block_hash=block.hash,
            version=state.version,
            owners=list(state.owners),
            threshold=state.threshold,
            nonce=state.nonce,
            modules=list(state.modules),
            guard=state.guard,
            fallback_handler=state.fallback_handler,
            singleton=state.singleton,
        )
        for kind, message, details in safe_changes(previous, reading) if previous else []:
            details = {**details, "block_number": block.number, "block_hash": block.hash}
            custody_alert_raise(
                kind=kind, message=f"{wallet}: {message}", details=details, wallet=wallet
            )
    return reading


def wallet_tokens(wallet: TrackedWallet) -> list[tuple[str, str]]:
    """(token address or "" for native, symbol) read for a wallet: native plus the fund's token."""
    asset = wallet.fund.asset
    on_chain = asset.chain_id == wallet.chain_id
    if on_chain and not asset.token_address:
        return [(NATIVE, asset.symbol)]
    tokens = [(NATIVE, "native")]
    if on_chain:
        tokens.append((asset.token_address, asset.symbol))
    return tokens


def balances_read(
    *, wallet: TrackedWallet, client: ChainClient | None = None, block: BlockRef | None = None
) -> list[BalanceReading]:
    """Native and fund-token balances of the wallet at the pinned block, stored with the block."""
    client = client or chain_client(wallet.chain_id)
    block = block or pinned_block(client)
    amounts = []
    for token, symbol in wallet_tokens(wallet):
        if token:
            amount = client.token_balance(token, wallet.address, block=block.number)
        else:
            amount = client.native_balance(wallet.address, block=block.number)
        amounts.append((token, symbol, amount))
    _still_there(client, block)
    rows = []
    with transaction.atomic():
        for token, symbol, amount in amounts:
            row, _ = BalanceReading.objects.get_or_create(
                wallet=wallet,
                token=token,
                block_hash=block.hash,
                rewound_at__isnull=True,
                defaults={"block_number": block.number, "symbol": symbol, "amount": amount},
            )
            rows.append(row)
    return rows


def wallets_read(*, clients: dict[int, ChainClient] | None = None) -> dict[int, BlockRef]:
    """Pin a block on every configured chain with wallets and read all of them there.

    Wallets on chains without an RPC URL are skipped (the reserves page says so); returns
    the pinned block per chain.
    """
    clients = clients or {}
    pins: dict[int, BlockRef] = {}
    wallets = TrackedWallet.objects.select_related("fund__asset").order_by("chain_id", "id")
    for wallet in wallets:
        if wallet.chain_id not in settings.ETH_RPC_URLS and wallet.chain_id not in clients:
            continue
        client = clients.get(wallet.chain_id) or chain_client(wallet.chain_id)
        if wallet.chain_id not in pins:
            pins[wallet.chain_id] = pinned_block(client)
        block = pins[wallet.chain_id]
        balances_read(wallet=wallet, client=client, block=block)
        if wallet.kind == TrackedWallet.Kind.SAFE:
            safe_state_read(wallet=wallet, client=client, block=block)
    return pins
