"""Reading a Safe's configuration at a block, and asking it to check a signature (EIP-1271).

The ABI and storage slots come from safe-eth-py (Safe 1.3+ share the read functions we use).
safe-eth-py's own ``retrieve_all_info`` reads the guard and fallback handler at "latest"
whatever block is asked for, so each value is read here explicitly at the pinned block.
"""

from __future__ import annotations

from dataclasses import dataclass

from safe_eth.eth.constants import NULL_ADDRESS, SENTINEL_ADDRESS
from safe_eth.eth.contracts import (
    get_compatibility_fallback_handler_V1_4_1_contract,
    get_safe_V1_4_1_contract,
)
from safe_eth.safe import Safe
from web3 import Web3

from common.exceptions import Invalid
from custody.clients.chain import CONTRACT_ANSWERS, ChainClient

EIP1271_MAGIC = bytes.fromhex("1626ba7e")
MODULE_PAGE = 50
MAX_MODULE_PAGES = 10


@dataclass(frozen=True)
class SafeState:
    version: str
    owners: tuple[str, ...]
    threshold: int
    nonce: int
    modules: tuple[str, ...]
    guard: str
    fallback_handler: str
    singleton: str


class SafeClient:
    def __init__(self, chain: ChainClient):
        self.chain = chain

    def _slot_address(self, address: str, slot: int, block: int) -> str:
        raw = self.chain.call(
            lambda: self.chain.w3.eth.get_storage_at(address, slot, block_identifier=block)
        )
        return Web3.to_checksum_address(bytes(raw)[-20:].rjust(20, b"\0"))

    def _modules(self, contract, block: int) -> tuple[str, ...]:
        found: list[str] = []
        cursor = SENTINEL_ADDRESS
        for _ in range(MAX_MODULE_PAGES):
            page, cursor = self.chain.call(
                lambda c=cursor: contract.functions.getModulesPaginated(c, MODULE_PAGE).call(
                    block_identifier=block
                )
            )
            found += [m for m in page if m not in found]
            if cursor in (SENTINEL_ADDRESS, NULL_ADDRESS):
                break
        return tuple(found)

    def state(self, address: str, *, block: int) -> SafeState:
        """The Safe's configuration at ``block``; a contract that is not a Safe is Invalid."""
        if not self.chain.code(address, block=block):
            raise Invalid.field("address", f"{address} has no contract code: it is not a Safe")
        contract = get_safe_V1_4_1_contract(self.chain.w3, address)
        singleton = self._slot_address(address, 0, block)
        try:
            version = self.chain.call(
                lambda: contract.functions.VERSION().call(block_identifier=block)
            )
            owners = self.chain.call(
                lambda: contract.functions.getOwners().call(block_identifier=block)
            )
            threshold = self.chain.call(
                lambda: contract.functions.getThreshold().call(block_identifier=block)
            )
            nonce = self.chain.call(lambda: contract.functions.nonce().call(block_identifier=block))
            modules = self._modules(contract, block)
        except CONTRACT_ANSWERS as exc:
            raise Invalid.field("address", f"{address} is a contract but not a Safe") from exc
        if singleton == NULL_ADDRESS or not owners or not threshold:
            raise Invalid.field("address", f"{address} is not an initialised Safe")
        return SafeState(
            version=str(version),
            owners=tuple(owners),
            threshold=int(threshold),
            nonce=int(nonce),
            modules=modules,
            guard=self._slot_address(address, Safe.TRANSACTION_GUARD_STORAGE_SLOT, block),
            fallback_handler=self._slot_address(address, Safe.FALLBACK_HANDLER_STORAGE_SLOT, block),
            singleton=singleton,
        )

    def is_valid_signature(self, address: str, data_hash: bytes, signature: bytes) -> bool:
        """EIP-1271: does the Safe accept ``signature`` (its owners' signatures) for the hash?"""
        handler = get_compatibility_fallback_handler_V1_4_1_contract(self.chain.w3, address)
        check = handler.get_function_by_signature("isValidSignature(bytes32,bytes)")
        try:
            answer = self.chain.call(lambda: check(data_hash, signature).call())
        except CONTRACT_ANSWERS:
            return False  # the Safe reverted: the signatures do not meet its threshold
        return bytes(answer) == EIP1271_MAGIC
