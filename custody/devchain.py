"""A development chain setup: Safe 1.4.1 contracts, a test USDC and a 2-of-3 Safe on anvil.

Used by the demo (when an anvil answers at ``ETH_RPC_URLS``) and by the tests. Everything is
deployed from safe-eth-py's bundled bytecode, so no compiler or download is needed. Never
run against a real network: it spends from anvil's public test key.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_account import Account
from eth_account.signers.local import LocalAccount
from safe_eth.eth.constants import NULL_ADDRESS
from safe_eth.eth.contracts import (
    get_compatibility_fallback_handler_V1_4_1_contract,
    get_example_erc20_contract,
    get_safe_V1_4_1_contract,
)
from safe_eth.safe.proxy_factory import ProxyFactory, ProxyFactoryV141
from safe_eth.safe.safe import SafeV141

from custody.clients.chain import ChainClient

# anvil's first funded account: a public test key, worthless anywhere else.
ANVIL_DEPLOYER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


@dataclass
class DevSafe:
    safe: str
    token: str
    handler: str
    singleton: str
    owners: list[LocalAccount]


def dev_send(client: ChainClient, account: LocalAccount, fn) -> dict:
    """Sign and send a contract call (or constructor) from ``account``; returns the receipt."""
    w3 = client.w3
    nonce = w3.eth.get_transaction_count(account.address, "pending")
    tx = fn.build_transaction({"from": account.address, "nonce": nonce})
    signed = account.sign_transaction(tx)
    receipt = w3.eth.wait_for_transaction_receipt(
        w3.eth.send_raw_transaction(signed.raw_transaction)
    )
    if receipt["status"] != 1:
        raise RuntimeError(f"transaction {receipt['transactionHash'].hex()} reverted")
    return receipt


def dev_safe_deploy(
    client: ChainClient,
    *,
    owners: list[LocalAccount] | None = None,
    threshold: int = 2,
    safe_funds: int = 5_000_000_000,
) -> DevSafe:
    """Deploy the Safe contracts, a 6-decimal "USDC" and a Safe holding ``safe_funds`` of it."""
    deployer = Account.from_key(ANVIL_DEPLOYER_KEY)
    eth = client.ethereum_client
    owners = owners or [Account.create() for _ in range(3)]
    singleton = SafeV141.deploy_contract(eth, deployer).contract_address
    factory_address = ProxyFactoryV141.deploy_contract(eth, deployer).contract_address
    handler_fn = get_compatibility_fallback_handler_V1_4_1_contract(client.w3).constructor()
    handler = dev_send(client, deployer, handler_fn)["contractAddress"]
    setup = get_safe_V1_4_1_contract(client.w3).encode_abi(
        "setup",
        args=[
            [owner.address for owner in owners],
            threshold,
            NULL_ADDRESS,
            b"",
            handler,
            NULL_ADDRESS,
            0,
            NULL_ADDRESS,
        ],
    )
    factory = ProxyFactory(factory_address, eth, version="1.4.1")
    created = factory.deploy_proxy_contract_with_nonce(
        deployer, singleton, bytes.fromhex(setup[2:]), salt_nonce=1
    )
    client.w3.eth.wait_for_transaction_receipt(created.tx_hash)
    safe = created.contract_address
    token_fn = get_example_erc20_contract(client.w3).constructor(
        "USD Coin", "USDC", 6, deployer.address, 10**15
    )
    token = dev_send(client, deployer, token_fn)["contractAddress"]
    usdc = get_example_erc20_contract(client.w3, token)
    dev_send(client, deployer, usdc.functions.transfer(safe, safe_funds))
    return DevSafe(safe, token, handler, singleton, owners)
