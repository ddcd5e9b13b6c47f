"""Who signed a digest: ECDSA recovery for plain accounts, EIP-1271 for contract wallets."""

from __future__ import annotations

from django.conf import settings

from common.exceptions import Invalid
from governance import chain
from governance.conf import governance_config
from governance.eip712 import recover, signature_bytes


def signature_check(*, signer: str, digest: bytes, signature: str, path: str = "signature") -> str:
    """Return how ``signer`` signed ``digest`` ("ecdsa" or "eip1271"), or raise ``Invalid``.

    ECDSA is tried first: it needs no node. Only when it fails and the signer is a contract
    on the governance chain is the wallet asked through ``isValidSignature``.
    """
    raw = signature_bytes(signature, path=path)
    if recover(digest, raw) == signer:
        return "ecdsa"
    has_node = governance_config().chain_id in settings.ETH_RPC_URLS
    if has_node and chain.is_contract(signer) and chain.eip1271_valid(signer, digest, raw):
        return "eip1271"
    raise Invalid.field(
        path,
        f"is not a signature by {signer} of this message: signed by another key, "
        "for different content, or for another chain or deployment",
    )
