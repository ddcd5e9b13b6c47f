"""A small anvil toolkit for governance tests: a voting ERC-20 and a 2-of-3 guardian Safe.

Deployed from safe-eth-py's bundled bytecode (no compiler) inside the ``chain`` fixture's
snapshot, so every test starts from the same chain.
"""

from __future__ import annotations

from eth_abi import encode
from eth_account import Account
from safe_eth.eth.contracts import (
    get_compatibility_fallback_handler_V1_4_1_contract,
    get_example_erc20_contract,
    get_proxy_factory_V1_4_1_contract,
    get_safe_V1_4_1_contract,
)
from web3.logs import DISCARD

# anvil's first funded account (its well-known public test key).
DEPLOYER = Account.from_key("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
NULL = "0x" + "00" * 20


def send(w3, tx_fn) -> dict:
    tx = tx_fn.build_transaction(
        {"from": DEPLOYER.address, "nonce": w3.eth.get_transaction_count(DEPLOYER.address)}
    )
    signed = DEPLOYER.sign_transaction(tx)
    receipt = w3.eth.wait_for_transaction_receipt(
        w3.eth.send_raw_transaction(signed.raw_transaction)
    )
    assert receipt["status"] == 1
    return receipt


def deploy(w3, constructor) -> str:
    return send(w3, constructor)["contractAddress"]


def deploy_token(w3, supply: int = 10**24):
    address = deploy(
        w3,
        get_example_erc20_contract(w3).constructor(
            "Backstop Vote", "BVOTE", 18, DEPLOYER.address, supply
        ),
    )
    return get_example_erc20_contract(w3, address)


class GuardianSafe:
    """A Safe 1.4.1 (2 of 3 owners) with the compatibility fallback handler (EIP-1271)."""

    def __init__(self, w3):
        self.w3 = w3
        singleton = deploy(w3, get_safe_V1_4_1_contract(w3).constructor())
        factory = get_proxy_factory_V1_4_1_contract(
            w3, deploy(w3, get_proxy_factory_V1_4_1_contract(w3).constructor())
        )
        handler = deploy(w3, get_compatibility_fallback_handler_V1_4_1_contract(w3).constructor())
        self.owners = sorted((Account.create() for _ in range(3)), key=lambda a: int(a.address, 16))
        setup = get_safe_V1_4_1_contract(w3).encode_abi(
            "setup",
            args=[[o.address for o in self.owners], 2, NULL, b"", handler, NULL, 0, NULL],
        )
        receipt = send(w3, factory.functions.createProxyWithNonce(singleton, setup, 1))
        event = factory.events.ProxyCreation().process_receipt(receipt, errors=DISCARD)[0]
        self.address = event["args"]["proxy"]
        self.handler = get_compatibility_fallback_handler_V1_4_1_contract(w3, self.address)

    def sign(self, digest: bytes, *, owners: int = 2) -> str:
        """Owners' signatures over the Safe message wrapping ``digest`` (what EIP-1271 checks)."""
        message_hash = self.handler.functions.getMessageHashForSafe(
            self.address, encode(["bytes32"], [digest])
        ).call()
        signatures = b""
        for owner in self.owners[:owners]:
            signed = owner.unsafe_sign_hash(message_hash)
            signatures += (
                signed.r.to_bytes(32, "big") + signed.s.to_bytes(32, "big") + bytes([signed.v])
            )
        return "0x" + signatures.hex()
