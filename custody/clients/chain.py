"""One chain's JSON-RPC node, read at confirmed blocks; outages raise, never become data.

A ``ChainClient`` wraps safe-eth-py's ``EthereumClient`` (web3.py underneath) for one chain
id from ``settings.ETH_RPC_URLS``. Services take a client as an argument; ``chain_client``
builds and caches one per chain (tests point it at anvil and clear the cache). Every call
has a timeout and a bounded number of retries; after that it raises ``ExternalUnavailable``.
A contract that answers with a revert is not an outage: that error passes through so the
caller can say what the answer means (for example "not a Safe").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from string import hexdigits
from typing import TypeVar

from django.conf import settings
from safe_eth.eth import EthereumClient
from safe_eth.eth.contracts import get_erc20_contract
from web3 import Web3
from web3.exceptions import BadFunctionCallOutput, ContractLogicError, Web3Exception

from common.exceptions import ExternalUnavailable, Invalid

T = TypeVar("T")
# Answers from a contract (a revert, or no return data): meaningful, not retried.
CONTRACT_ANSWERS = (ContractLogicError, BadFunctionCallOutput)


@dataclass(frozen=True)
class BlockRef:
    number: int
    hash: str  # 0x-prefixed hex


class ChainClient:
    def __init__(self, *, chain_id: int, url: str, timeout: int = 10, retries: int = 2):
        self.chain_id = chain_id
        self.url = url
        self.retries = retries
        self.ethereum_client = EthereumClient(
            url, provider_timeout=timeout, retry_count=0, use_request_caching=False
        )
        self.w3: Web3 = self.ethereum_client.w3

    def call(self, fn: Callable[[], T]) -> T:
        """Run one read with bounded retries; a node that keeps failing is ExternalUnavailable."""
        for attempt in range(self.retries + 1):
            try:
                return fn()
            except CONTRACT_ANSWERS:
                raise
            except (OSError, Web3Exception, ValueError) as exc:
                if attempt == self.retries:
                    raise ExternalUnavailable(
                        f"chain {self.chain_id} node did not answer: {exc}"
                    ) from exc
                time.sleep(0.2 * 2**attempt)
        raise AssertionError("unreachable")

    def head(self) -> int:
        return self.call(lambda: self.w3.eth.block_number)

    def block(self, number: int) -> BlockRef:
        found = self.call(lambda: self.w3.eth.get_block(number))
        return BlockRef(found["number"], found["hash"].to_0x_hex())

    def confirmed_block(self, confirmations: int) -> BlockRef:
        """The newest block with ``confirmations`` blocks on top of it."""
        return self.block(max(self.head() - confirmations, 0))

    def block_hash(self, number: int) -> str | None:
        """The hash the node has now at ``number`` (None when the chain is shorter)."""
        if number > self.head():
            return None
        return self.block(number).hash

    def code(self, address: str, *, block: int | str = "latest") -> bytes:
        return bytes(self.call(lambda: self.w3.eth.get_code(address, block_identifier=block)))

    def native_balance(self, address: str, *, block: int) -> int:
        return int(self.call(lambda: self.w3.eth.get_balance(address, block_identifier=block)))

    def token_balance(self, token: str, address: str, *, block: int) -> int:
        contract = get_erc20_contract(self.w3, token)
        return int(
            self.call(lambda: contract.functions.balanceOf(address).call(block_identifier=block))
        )


@cache
def chain_client(chain_id: int) -> ChainClient:
    """The process-wide client of a configured chain (``chain_client.cache_clear()`` resets)."""
    url = settings.ETH_RPC_URLS.get(chain_id)
    if not url:
        raise Invalid.field("chain_id", f"no RPC URL is configured for chain {chain_id}")
    return ChainClient(chain_id=chain_id, url=url)


def checksum_address(value: str, *, path: str = "address") -> str:
    """The EIP-55 form of an address; a mixed-case input with a wrong checksum is refused.

    All-lower or all-upper hex carries no checksum and is accepted (as wallets export it).
    """
    text = (value or "").strip()
    body = text[2:]
    if not (text[:2] == "0x" and len(body) == 40 and all(c in hexdigits for c in body)):
        raise Invalid.field(path, f"not a 0x-prefixed 20-byte hex address: {value!r}")
    mixed = body != body.lower() and body != body.upper()
    if mixed and not Web3.is_checksum_address(text):
        raise Invalid.field(path, f"bad EIP-55 checksum: {value!r}")
    return Web3.to_checksum_address(text)
