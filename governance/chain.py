"""The governance chain: the voting token's ``balanceOf`` at a block and EIP-1271 checks.

Every call goes to the RPC URL of ``GOVERNANCE_CHAIN_ID``; a node that does not answer is an
``ExternalUnavailable`` (503), never a zero balance or a refused signature.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from safe_eth.eth.contracts import (
    get_compatibility_fallback_handler_V1_4_1_contract,
    get_erc20_contract,
)
from web3 import Web3
from web3.exceptions import ContractLogicError, Web3Exception

from common.exceptions import ExternalUnavailable
from governance.conf import rpc_url

EIP1271_MAGIC = bytes.fromhex("1626ba7e")
EIP1271_SIGNATURE = "isValidSignature(bytes32,bytes)"


@lru_cache(maxsize=4)
def _web3(url: str) -> Web3:
    return Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 10}))


def web3_client() -> Web3:
    return _web3(rpc_url())


def _unavailable(exc: Exception) -> ExternalUnavailable:
    return ExternalUnavailable(f"governance chain node did not answer: {exc}")


def confirmed_block() -> int:
    """The newest block with ``CHAIN_CONFIRMATIONS`` blocks on top (a reorg will not undo it)."""
    try:
        head = web3_client().eth.block_number
    except (OSError, Web3Exception) as exc:
        raise _unavailable(exc) from exc
    return max(head - settings.CHAIN_CONFIRMATIONS, 0)


def token_balance_at(token: str, holder: str, block: int) -> int:
    contract = get_erc20_contract(web3_client(), token)
    try:
        return int(contract.functions.balanceOf(holder).call(block_identifier=block))
    except (OSError, Web3Exception) as exc:
        raise _unavailable(exc) from exc


def is_contract(address: str) -> bool:
    try:
        return len(web3_client().eth.get_code(address)) > 0
    except (OSError, Web3Exception) as exc:
        raise _unavailable(exc) from exc


def eip1271_valid(address: str, digest: bytes, signature: bytes) -> bool:
    """True when the contract at ``address`` accepts ``signature`` for ``digest`` (EIP-1271)."""
    # Any EIP-1271 wallet has this function; the Safe handler's ABI carries it.
    contract = get_compatibility_fallback_handler_V1_4_1_contract(web3_client(), address)
    try:
        result = contract.get_function_by_signature(EIP1271_SIGNATURE)(digest, signature).call()
    except ContractLogicError:
        return False  # the wallet reverted: it does not accept this signature
    except (OSError, Web3Exception) as exc:
        raise _unavailable(exc) from exc
    return bytes(result) == EIP1271_MAGIC
