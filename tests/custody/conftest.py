"""Custody fixtures: Safe 1.4.1 contracts, a test USDC and a 2-of-3 Safe on anvil.

Everything is deployed from safe-eth-py's bundled bytecode inside the ``chain`` fixture's
snapshot, so each test starts from the same chain and leaves nothing behind.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from safe_eth.eth.contracts import (
    get_example_erc20_contract,
    get_safe_V1_4_1_contract,
)
from safe_eth.safe import Safe

from custody.devchain import ANVIL_DEPLOYER_KEY, dev_safe_deploy, dev_send

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
        return dev_send(self.client, self.deployer, fn)["blockNumber"]

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


@pytest.fixture
def safe_world(custody_chain) -> SafeWorld:
    """Singleton, factory, fallback handler, test USDC (6 decimals) and a 2-of-3 Safe."""
    deployed = dev_safe_deploy(custody_chain)
    usdc = get_example_erc20_contract(custody_chain.w3, deployed.token)
    deployer = Account.from_key(ANVIL_DEPLOYER_KEY)
    return SafeWorld(
        custody_chain,
        deployer,
        deployed.owners,
        deployed.safe,
        usdc,
        deployed.handler,
        deployed.singleton,
    )


@pytest.fixture
def custody_fund(db, request):
    """A USDC fund; when the test has a ``safe_world``, the asset is its token on anvil."""
    from tests.fund.factories import AssetFactory, FundFactory

    token = ""
    if "safe_world" in request.fixturenames:
        token = request.getfixturevalue("safe_world").usdc.address
    asset = AssetFactory(symbol="USDC", decimals=6, chain_id=CHAIN_ID, token_address=token)
    return FundFactory(name="main", asset=asset)
