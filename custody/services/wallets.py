"""Adding a wallet to custody tracking, after checking on chain that it is what it claims."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from common.exceptions import Conflict, Invalid
from common.services.audit import audit_log_write
from custody.clients.chain import ChainClient, chain_client, checksum_address
from custody.clients.safe import SafeClient
from custody.models import TrackedWallet
from fund.models import Fund
from governance.selectors.params import param_get


def wallet_track(
    *,
    chain_id: int,
    address: str,
    kind: str,
    fund: Fund,
    label: str = "",
    actor: str,
    client: ChainClient | None = None,
) -> TrackedWallet:
    """Track a wallet for ``fund``. A Safe must really be a Safe; a plain account has no code.

    The chain is read before the transaction opens, so no lock is held through node latency.
    """
    if kind not in TrackedWallet.Kind.values:
        raise Invalid.field("kind", f"must be one of {', '.join(TrackedWallet.Kind.values)}")
    address = checksum_address(address)
    client = client or chain_client(chain_id)
    block = client.confirmed_block(param_get("confirmations")).number
    if kind == TrackedWallet.Kind.SAFE:
        SafeClient(client).state(address, block=block)  # raises Invalid when it is not a Safe
    elif client.code(address):  # the newest state: code deployed a block ago counts too
        raise Invalid.field("kind", f"{address} is a contract; track it as a Safe or not at all")
    try:
        with transaction.atomic():
            wallet = TrackedWallet.objects.create(
                chain_id=chain_id, address=address, kind=kind, fund=fund, label=label
            )
            audit_log_write(
                actor=actor,
                action="backstop.custody.wallet.tracked",
                object_type="custody.TrackedWallet",
                object_id=wallet.pk,
                after={"chain_id": chain_id, "address": address, "kind": kind, "fund": fund.name},
            )
    except IntegrityError as exc:
        raise Conflict(f"{address} on chain {chain_id} is already tracked") from exc
    return wallet
