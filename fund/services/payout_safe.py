"""Paying an outside address: a Safe transaction for the owners to sign, tracked until executed.

Booking a payout to an address moves the money from the fund to payouts payable. This module
then builds the ERC-20 ``transfer`` from the fund's Safe (the Safe custody tracks for that
fund and chain) as a SafeTx, stores it with its ``safe_tx_hash`` for the owners to sign in
their own wallets, and watches the chain: when the Safe emits ``ExecutionSuccess`` for that
hash at a confirmed block, payouts payable → outside world is booked. If the nonce is used by
another transaction instead, the row is marked failed for staff to act on.

Order of work as the style guide asks: read the chain first, then open the transaction; no
lock is ever held through node latency.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from safe_eth.eth.constants import NULL_ADDRESS
from safe_eth.eth.contracts import get_erc20_contract, get_safe_V1_4_1_contract
from safe_eth.safe.safe_tx import SafeTx
from web3 import Web3

from common.exceptions import Conflict, ExternalUnavailable, Invalid
from common.locking import advisory_lock
from custody.clients.chain import ChainClient, chain_client
from custody.clients.safe import SafeClient
from fund.models import LedgerAccount, Payout, PayoutSafeTx
from fund.services.ledger import ledger_account, ledger_entry_post
from fund.services.payouts import outflow_audit
from governance.selectors.params import param_get

# Safe 1.3.0 and later hash a SafeTx the same way (EIP-712 domain with the chain id).
HASHING_VERSION = "1.3.0"
EXECUTION_SUCCESS = Web3.keccak(text="ExecutionSuccess(bytes32,uint256)").to_0x_hex()
EXECUTION_FAILURE = Web3.keccak(text="ExecutionFailure(bytes32,uint256)").to_0x_hex()
CUSTODY_ACTOR = "system:custody"
logger = logging.getLogger(__name__)


def fund_safe_address(payout: Payout) -> str:
    """The Safe custody tracks for the payout's fund on the payout's chain."""
    from custody.models import TrackedWallet

    wallet = (
        TrackedWallet.objects.filter(
            fund_id=payout.fund_id, chain_id=payout.chain_id, kind=TrackedWallet.Kind.SAFE
        )
        .order_by("pk")
        .first()
    )
    if wallet is None:
        raise Invalid.field(
            "safe", f"custody tracks no Safe of fund {payout.fund} on chain {payout.chain_id}"
        )
    return wallet.address


def safe_tx_rebuild(row: PayoutSafeTx, client: ChainClient) -> SafeTx:
    """The SafeTx exactly as stored: what the owners sign and execute."""
    return SafeTx(
        client.ethereum_client,
        row.safe_address,
        row.token_address,
        0,
        bytes.fromhex(row.data.removeprefix("0x")),
        0,
        0,
        0,
        0,
        NULL_ADDRESS,
        NULL_ADDRESS,
        safe_nonce=row.nonce,
        safe_version=HASHING_VERSION,
        chain_id=row.chain_id,
    )


def payout_safe_tx_build(*, payout: Payout, client: ChainClient) -> PayoutSafeTx:
    """Build and store the Safe transaction paying a booked outside-address payout (idempotent).

    The nonce is the Safe's current nonce, or the one after the last transaction we already
    left for the owners, so two payouts never compete for one nonce.
    """
    existing = PayoutSafeTx.objects.filter(payout_id=payout.pk).first()
    if existing:
        return existing
    payout = Payout.objects.select_related("fund__asset").get(pk=payout.pk)
    if payout.status != Payout.Status.BOOKED or not payout.recipient_address:
        raise Conflict(f"payout #{payout.pk} is not a booked payout to an outside address")
    asset = payout.fund.asset
    if asset.chain_id != payout.chain_id or not asset.token_address:
        raise Invalid.field("chain_id", f"{asset} has no token address on chain {payout.chain_id}")
    safe = fund_safe_address(payout)
    head = client.head()
    state = SafeClient(client).state(safe, block=head)
    if tuple(int(part) for part in state.version.split(".")[:2]) < (1, 3):
        raise Invalid.field("safe", f"Safe {safe} runs {state.version}; 1.3.0 or later needed")
    data = get_erc20_contract(client.w3, asset.token_address).encode_abi(
        "transfer", args=[payout.recipient_address, payout.amount]
    )
    with transaction.atomic():
        advisory_lock(f"safe:{payout.chain_id}:{safe}")
        payout = Payout.objects.select_for_update(of=("self",)).get(pk=payout.pk)
        existing = PayoutSafeTx.objects.filter(payout=payout).first()
        if existing:
            return existing
        queued = PayoutSafeTx.objects.filter(
            chain_id=payout.chain_id,
            safe_address=safe,
            status=PayoutSafeTx.Status.AWAITING_SIGNATURES,
        ).aggregate(last=Max("nonce"))["last"]
        row = PayoutSafeTx(
            payout=payout,
            chain_id=payout.chain_id,
            safe_address=safe,
            token_address=asset.token_address,
            nonce=max(state.nonce, queued + 1 if queued is not None else 0),
            data=data,
            from_block=head,
        )
        row.safe_tx_hash = safe_tx_rebuild(row, client).safe_tx_hash.to_0x_hex()
        row.save()
        outflow_audit(
            payout,
            actor=CUSTODY_ACTOR,
            action="safe_tx_built",
            safe=safe,
            nonce=row.nonce,
            safe_tx_hash=row.safe_tx_hash,
        )
    return row


def _execution_log(row: PayoutSafeTx, client: ChainClient, to_block: int) -> dict | None:
    logs = client.call(
        lambda: client.w3.eth.get_logs(
            {
                "address": row.safe_address,
                "fromBlock": row.from_block,
                "toBlock": to_block,
                "topics": [[EXECUTION_SUCCESS, EXECUTION_FAILURE], row.safe_tx_hash],
            }
        )
    )
    return logs[0] if logs else None


def payout_safe_tx_track(*, safe_tx: PayoutSafeTx, client: ChainClient) -> PayoutSafeTx:
    """Look for the transaction's execution at a confirmed block and book the payment once.

    Only confirmed blocks count, so a reorg cannot undo what was booked. Without an
    execution of our hash, a Safe nonce beyond ours means another transaction took it.
    """
    if safe_tx.status != PayoutSafeTx.Status.AWAITING_SIGNATURES:
        return safe_tx
    confirmed = client.confirmed_block(param_get("confirmations"))
    if confirmed.number < safe_tx.from_block:
        return safe_tx
    log = _execution_log(safe_tx, client, confirmed.number)
    if log is None:
        safe = get_safe_V1_4_1_contract(client.w3, safe_tx.safe_address)
        nonce = client.call(lambda: safe.functions.nonce().call(block_identifier=confirmed.number))
        if nonce <= safe_tx.nonce:
            return safe_tx
    with transaction.atomic(durable=True):
        advisory_lock(f"fund:{safe_tx.payout.fund_id}")
        row = PayoutSafeTx.objects.select_for_update().select_related("payout__fund__asset")
        row = row.get(pk=safe_tx.pk)
        if row.status != PayoutSafeTx.Status.AWAITING_SIGNATURES:
            return row
        payout = row.payout
        if log is None or log["topics"][0].to_0x_hex() == EXECUTION_FAILURE:
            row.status = PayoutSafeTx.Status.FAILED
            row.save(update_fields=["status"])
            outflow_audit(payout, actor=CUSTODY_ACTOR, action="safe_tx_failed", nonce=row.nonce)
            return row
        fund, asset = payout.fund, payout.fund.asset
        payable = ledger_account(
            kind=LedgerAccount.Kind.PAYOUTS_PAYABLE, asset=asset, key=fund.name, fund=fund
        )
        world = ledger_account(kind=LedgerAccount.Kind.EXTERNAL, asset=asset, key=asset.symbol)
        row.tx_hash = log["transactionHash"].to_0x_hex()
        row.block_number, row.block_hash = log["blockNumber"], log["blockHash"].to_0x_hex()
        row.settled_entry = ledger_entry_post(
            key=f"payout:{payout.pk}:paid",
            kind="payout",
            postings=[(payable, -payout.amount), (world, payout.amount)],
            event_time=timezone.now(),
            fund=fund,
            memo=f"payout #{payout.pk} executed by Safe {row.safe_address}",
            data={"payout": payout.pk, "tx_hash": row.tx_hash, "block": row.block_number},
        )
        row.status = PayoutSafeTx.Status.EXECUTED
        row.save()
        outflow_audit(
            payout, actor=CUSTODY_ACTOR, action="paid", tx_hash=row.tx_hash, block=row.block_number
        )
    return row


def payout_safe_txs_advance(*, payout_ids: list[int] | None = None) -> dict[str, int]:
    """Build the Safe transactions still missing, then track those awaiting execution.

    A fund or chain that custody has not set up yet (no tracked Safe, no token address, no
    RPC URL) or a node that does not answer is skipped with a warning, not raised: the next
    run picks it up.
    """
    counts = {"built": 0, "skipped": 0, "executed": 0, "failed": 0}
    missing = Payout.objects.filter(
        status=Payout.Status.BOOKED, safe_tx__isnull=True, chain_id__isnull=False
    )
    awaiting = PayoutSafeTx.objects.filter(status=PayoutSafeTx.Status.AWAITING_SIGNATURES)
    if payout_ids is not None:
        missing, awaiting = (
            missing.filter(pk__in=payout_ids),
            awaiting.filter(payout__in=payout_ids),
        )
    for payout in missing.order_by("pk"):
        try:
            payout_safe_tx_build(payout=payout, client=chain_client(payout.chain_id))
            counts["built"] += 1
        except (Invalid, ExternalUnavailable) as exc:
            logger.warning("payout #%s: no Safe transaction yet: %s", payout.pk, exc.message)
            counts["skipped"] += 1
    for row in awaiting.select_related("payout").order_by("pk"):
        status = payout_safe_tx_track(safe_tx=row, client=chain_client(row.chain_id)).status
        if status != PayoutSafeTx.Status.AWAITING_SIGNATURES:
            counts[status] += 1
    return counts
