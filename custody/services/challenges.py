"""Proof of control: the wallet's controllers sign a fresh challenge the service issued.

The challenge text is signed as an EIP-191 personal message. A plain account proves control
by ECDSA recovery to its address. A Safe proves it the way Safe wallets sign messages: the
owners sign the Safe's EIP-712 ``SafeMessage`` over that hash, the signatures are joined in
ascending owner order, and the Safe itself answers EIP-1271 ``isValidSignature`` with the
magic value only if they meet its threshold. The challenge expires and is single-use.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from eth_account import Account
from eth_account.messages import defunct_hash_message, encode_defunct

from common.exceptions import Invalid
from common.services.audit import audit_log_write
from custody.clients.chain import ChainClient, chain_client
from custody.clients.safe import SafeClient
from custody.models import ControlChallenge, TrackedWallet

CHALLENGE_TTL = timedelta(minutes=30)


def challenge_issue(*, wallet: TrackedWallet, ttl: timedelta = CHALLENGE_TTL) -> ControlChallenge:
    nonce = secrets.token_hex(16)
    expires_at = timezone.now() + ttl
    message = (
        "Backstop custody control proof\n"
        f"Wallet: {wallet.address}\n"
        f"Chain: {wallet.chain_id}\n"
        f"Nonce: {nonce}\n"
        f"Expires: {expires_at.isoformat(timespec='seconds')}"
    )
    return ControlChallenge.objects.create(
        wallet=wallet, nonce=nonce, message=message, expires_at=expires_at
    )


def _signature_bytes(signature: str) -> bytes:
    try:
        raw = bytes.fromhex(signature.removeprefix("0x"))
    except ValueError:
        raise Invalid.field("signature", "must be hex") from None
    if not raw or len(raw) % 65:
        raise Invalid.field("signature", "must be one or more 65-byte signatures")
    return raw


def signature_proves_control(
    *, wallet: TrackedWallet, message: str, signature: bytes, client: ChainClient | None = None
) -> bool:
    if wallet.kind == TrackedWallet.Kind.EOA:
        if len(signature) != 65:
            return False
        try:
            signer = Account.recover_message(encode_defunct(text=message), signature=signature)
        except ValueError:
            return False
        return signer == wallet.address
    client = client or chain_client(wallet.chain_id)
    digest = bytes(defunct_hash_message(text=message))
    return SafeClient(client).is_valid_signature(wallet.address, digest, signature)


def control_proof_verify(
    *, challenge: ControlChallenge, signature: str, actor: str, client: ChainClient | None = None
) -> ControlChallenge:
    """Accept the signature if it proves control; a forged or late one is Invalid."""
    if challenge.verified_at:
        return challenge
    if challenge.expires_at <= timezone.now():
        raise Invalid.field("challenge", "has expired; ask for a new one")
    raw = _signature_bytes(signature)
    wallet = challenge.wallet
    if not signature_proves_control(
        wallet=wallet, message=challenge.message, signature=raw, client=client
    ):
        raise Invalid.field("signature", f"does not prove control of {wallet.address}")
    with transaction.atomic():
        locked = ControlChallenge.objects.select_for_update().get(pk=challenge.pk)
        if locked.verified_at:
            return locked
        locked.signature = "0x" + raw.hex()
        locked.verified_at = timezone.now()
        locked.save(update_fields=["signature", "verified_at"])
        audit_log_write(
            actor=actor,
            action="backstop.custody.control.proven",
            object_type="custody.TrackedWallet",
            object_id=wallet.pk,
            after={"challenge": locked.nonce, "kind": wallet.kind},
        )
    return locked
