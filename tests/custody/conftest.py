"""Custody fixtures: Safe 1.4.1 contracts, a test USDC and a 2-of-3 Safe on anvil.

Everything is deployed from safe-eth-py's bundled bytecode inside the ``chain`` fixture's
snapshot, so each test starts from the same chain and leaves nothing behind.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from safe_eth.eth.constants import NULL_ADDRESS
from safe_eth.eth.contracts import (
    get_compatibility_fallback_handler_V1_4_1_contract,
    get_example_erc20_contract,
    get_safe_V1_4_1_contract,
)
from safe_eth.safe import Safe
from safe_eth.safe.proxy_factory import ProxyFactory, ProxyFactoryV141
from safe_eth.safe.safe import SafeV141

# anvil's first funded account (public test key).
DEPLOYER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
CHAIN_ID = 31337


@dataclass
class SafeWorld:
    client: object  # custody.clients.chain.ChainClient
    deployer: LocalAccount
    owners: list[LocalAccount]
    safe: str
    usdc: object  # web3 Contract
    handler: str
    singleton: str

    def safe_sdk(self) -> Safe:
        return Safe(self.safe, self.client.ethereum_client, version="1.4.1")

    def send(self, fn) -> int:
        """Send a contract call from the deployer; returns the block it was mined in."""
        w3 = self.client.w3
        tx = fn.build_transaction(
            {
                "from": self.deployer.address,
                "nonce": w3.eth.get_transaction_count(self.deployer.address),
            }
        )
        signed = self.deployer.sign_transaction(tx)
        receipt = w3.eth.wait_for_transaction_receipt(
            w3.eth.send_raw_transaction(signed.raw_transaction)
        )
        assert receipt["status"] == 1
        return receipt["blockNumber"]

    def safe_exec(self, data: bytes, *, signers: list[LocalAccount] | None = None) -> int:
        """Execute a call from the Safe to itself (owner changes etc.), signed by two owners."""
        safe_tx = self.safe_sdk().build_multisig_tx(self.safe, 0, data)
        for owner in sorted(signers or self.owners[:2], key=lambda a: int(a.address, 16)):
            safe_tx.sign(owner.key.hex())
        tx_hash, _ = safe_tx.execute(self.deployer.key.hex())
        receipt = self.client.w3.eth.wait_for_transaction_receipt(tx_hash)
        assert receipt["status"] == 1
        return receipt["blockNumber"]

    def safe_contract(self):
        return get_safe_V1_4_1_contract(self.client.w3, self.safe)

    def mine(self, blocks: int) -> None:
        self.client.w3.provider.make_request("anvil_mine", [hex(blocks)])


@pytest.fixture
def custody_chain(chain, anvil_url, settings):
    """The custody chain client pointed at anvil (the provider cache is reset around it)."""
    from custody.clients.chain import chain_client

    settings.ETH_RPC_URLS = {CHAIN_ID: anvil_url}
    chain_client.cache_clear()
    yield chain_client(CHAIN_ID)
    chain_client.cache_clear()


def _deploy(client, deployer, constructor) -> str:
    data = constructor.build_transaction({"gas": 0, "gasPrice": 0})["data"]
    return client.ethereum_client.deploy_and_initialize_contract(deployer, data).contract_address


@pytest.fixture
def safe_world(custody_chain) -> SafeWorld:
    """Singleton, factory, fallback handler, test USDC (6 decimals) and a 2-of-3 Safe."""
    client = custody_chain
    deployer = Account.from_key(DEPLOYER_KEY)
    eth = client.ethereum_client
    singleton = SafeV141.deploy_contract(eth, deployer).contract_address
    factory_address = ProxyFactoryV141.deploy_contract(eth, deployer).contract_address
    handler = _deploy(
        client,
        deployer,
        get_compatibility_fallback_handler_V1_4_1_contract(client.w3).constructor(),
    )
    owners = [Account.create() for _ in range(3)]
    setup = get_safe_V1_4_1_contract(client.w3).encode_abi(
        "setup",
        args=[
            [owner.address for owner in owners],
            2,
            NULL_ADDRESS,
            b"",
            handler,
            NULL_ADDRESS,
            0,
            NULL_ADDRESS,
        ],
    )
    factory = ProxyFactory(factory_address, eth, version="1.4.1")
    safe = factory.deploy_proxy_contract_with_nonce(
        deployer, singleton, bytes.fromhex(setup[2:]), salt_nonce=1
    ).contract_address
    token = _deploy(
        client,
        deployer,
        get_example_erc20_contract(client.w3).constructor(
            "USD Coin", "USDC", 6, deployer.address, 10**15
        ),
    )
    usdc = get_example_erc20_contract(client.w3, token)
    world = SafeWorld(client, deployer, owners, safe, usdc, handler, singleton)
    world.send(usdc.functions.transfer(safe, 5_000_000_000))
    return world


@pytest.fixture
def custody_fund(db, request):
    """A USDC fund; when the test has a ``safe_world``, the asset is its token on anvil."""
    from tests.fund.factories import AssetFactory, FundFactory

    token = ""
    if "safe_world" in request.fixturenames:
        token = request.getfixturevalue("safe_world").usdc.address
    asset = AssetFactory(symbol="USDC", decimals=6, chain_id=CHAIN_ID, token_address=token)
    return FundFactory(name="main", asset=asset)
