"""Sign-In with Ethereum: the server issues a nonce, the wallet signs an EIP-4361 message."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.db import transaction
from eth_account.messages import defunct_hash_message

from common.exceptions import Invalid
from governance.conf import governance_config
from governance.eip712 import address_check
from governance.models import Member, SigninNonce
from governance.signatures import signature_check
from governance.siwe import SiweMessage, siwe_parse

NONCE_LIFETIME = timedelta(minutes=10)
CLOCK_SKEW = timedelta(minutes=2)
STATEMENT = "Sign in to Backstop governance. This costs nothing and sends no transaction."


def signin_message_issue(*, address: str, domain: str, uri: str, now: datetime) -> SiweMessage:
    """A fresh nonce and the message for ``address`` to sign; the nonce lives 10 minutes."""
    address = address_check(address, path="address")
    nonce = secrets.token_hex(16)
    SigninNonce.objects.create(nonce=nonce, issued_at=now, expires_at=now + NONCE_LIFETIME)
    return SiweMessage(
        domain=domain,
        address=address,
        statement=STATEMENT,
        uri=uri,
        chain_id=governance_config().chain_id,
        nonce=nonce,
        issued_at=now,
        expiration_time=now + NONCE_LIFETIME,
    )


def member_touch(*, address: str, now: datetime) -> Member:
    member, _ = Member.objects.get_or_create(address=address, defaults={"first_seen_at": now})
    return member


def signin_verify(*, message: str, signature: str, domain: str, now: datetime) -> str:
    """Check a signed sign-in message and return the member's checksummed address.

    Refused: another domain or chain, an unknown, used or expired nonce, a message past its
    expiration or before its not-before time, a signature by anyone but the named address.
    The nonce is used up in the same transaction, so a replayed message is refused.
    """
    parsed = siwe_parse(message)
    config = governance_config()
    allowed = config.siwe_domains or (domain,)
    if parsed.domain not in allowed:
        raise Invalid.field("message", f"signed for domain {parsed.domain!r}, not this site")
    if parsed.chain_id != config.chain_id:
        raise Invalid.field(
            "message", f"signed for chain {parsed.chain_id}, expected {config.chain_id}"
        )
    if parsed.expiration_time and parsed.expiration_time <= now:
        raise Invalid.field("message", "the sign-in message has expired; sign in again")
    if parsed.not_before and parsed.not_before > now + CLOCK_SKEW:
        raise Invalid.field("message", "the sign-in message is not valid yet")
    if parsed.issued_at > now + CLOCK_SKEW:
        raise Invalid.field("message", "Issued At lies in the future")
    digest = bytes(defunct_hash_message(text=message))
    signature_check(signer=parsed.address, digest=digest, signature=signature)
    with transaction.atomic():
        row = SigninNonce.objects.select_for_update().filter(nonce=parsed.nonce).first()
        if row is None:
            raise Invalid.field("message", "unknown nonce: ask for a new sign-in message")
        if row.used_at is not None:
            raise Invalid.field("message", "this sign-in message was already used (replay)")
        if row.expires_at <= now:
            raise Invalid.field("message", "the nonce has expired; sign in again")
        row.used_at = now
        row.used_by = parsed.address
        row.save(update_fields=["used_at", "used_by"])
        member = member_touch(address=parsed.address, now=now)
        member.last_signin_at = now
        member.save(update_fields=["last_signin_at"])
    return parsed.address


def signin_nonces_purge(*, now: datetime) -> int:
    """Delete nonces expired for a day (used or not): they can never sign anyone in again."""
    deleted, _ = SigninNonce.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
    return deleted
