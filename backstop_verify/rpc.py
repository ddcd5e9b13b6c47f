"""Re-reading a bundle's on-chain claims from the auditor's own node (``--rpc URL``).

For every chain the node serves: the pinned block must still have the pinned hash (no reorg
below it), and each wallet's balance and each Safe's owners and threshold must be what the
bundle says at that block. A node that does not answer is a failed check, never a pass.
"""

from __future__ import annotations

from web3 import Web3
from web3.exceptions import Web3Exception

from backstop_verify.bundle import Check

ABI = [
    {
        "name": "balanceOf",
        "type": "function",
        "stateMutability": "view",
        "inputs": [{"name": "owner", "type": "address"}],
        "outputs": [{"name": "", "type": "uint256"}],
    },
    {
        "name": "getOwners",
        "type": "function",
        "stateMutability": "view",
        "inputs": [],
        "outputs": [{"name": "", "type": "address[]"}],
    },
    {
        "name": "getThreshold",
        "type": "function",
        "stateMutability": "view",
        "inputs": [],
        "outputs": [{"name": "", "type": "uint256"}],
    },
]


def _wallet_checks(w3: Web3, wallet: dict, block: int) -> list[Check]:
    name = f"rpc.wallet[{wallet['chain_id']}:{wallet['address']}]"
    address = Web3.to_checksum_address(wallet["address"])
    if wallet["token"]:
        token = w3.eth.contract(address=Web3.to_checksum_address(wallet["token"]), abi=ABI)
        amount = token.functions.balanceOf(address).call(block_identifier=block)
    else:
        amount = w3.eth.get_balance(address, block_identifier=block)
    checks = [Check(f"{name}.amount", str(amount) == wallet["amount"], f"node says {amount}")]
    if wallet.get("safe"):
        safe = w3.eth.contract(address=address, abi=ABI)
        owners = safe.functions.getOwners().call(block_identifier=block)
        threshold = safe.functions.getThreshold().call(block_identifier=block)
        ok = list(owners) == wallet["safe"]["owners"] and threshold == wallet["safe"]["threshold"]
        checks.append(Check(f"{name}.safe", ok, f"node says {threshold} of {list(owners)}"))
    return checks


def verify_onchain(bundle: dict, rpc_url: str, *, timeout: float = 10.0) -> list[Check]:
    w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}))
    try:
        chain_id = w3.eth.chain_id
        pinned = {c["chain_id"]: c for c in bundle["chains"] if c["chain_id"] == chain_id}
        if not pinned:
            return [Check("rpc.chain", False, f"the bundle pins no block on chain {chain_id}")]
        chain = pinned[chain_id]
        block = w3.eth.get_block(chain["block_number"])
        checks = [
            Check(
                f"rpc.block[{chain_id}]",
                block["hash"].to_0x_hex() == chain["block_hash"],
                f"block {chain['block_number']} is {block['hash'].to_0x_hex()} on the node",
            )
        ]
        for fund in bundle["funds"]:
            for wallet in fund["assets"]["wallets"]:
                if wallet["chain_id"] == chain_id:
                    checks += _wallet_checks(w3, wallet, chain["block_number"])
        return checks
    except (Web3Exception, OSError, ValueError) as exc:
        return [Check("rpc", False, f"node {rpc_url} failed: {exc}")]
