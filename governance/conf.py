"""Governance settings read in one place, with the defaults a development install runs on.

The chain id and ``GOVERNANCE_ADDRESS`` form the EIP-712 domain of every ballot, so a ballot
signed for one deployment (or chain) cannot be replayed at another.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from eth_utils import keccak, to_checksum_address

from common.exceptions import ExternalUnavailable
from config.env import env

# A stable development identity; production sets GOVERNANCE_ADDRESS to its own.
DEFAULT_ADDRESS = to_checksum_address(keccak(b"backstop-governance-development")[-20:])


@dataclass(frozen=True)
class GovernanceConfig:
    chain_id: int
    address: str
    guardian: str | None
    token: str | None
    siwe_domains: tuple[str, ...]


def _setting(name: str, default: str) -> str:
    """A Django setting when one is defined (tests override them), else the environment."""
    return str(getattr(settings, name, None) or env(name, default=default))


def governance_config() -> GovernanceConfig:
    guardian = _setting("GOVERNANCE_GUARDIAN", "")
    token = _setting("GOVERNANCE_TOKEN", "")
    domains = _setting("SIWE_DOMAINS", "")
    return GovernanceConfig(
        chain_id=int(_setting("GOVERNANCE_CHAIN_ID", "31337")),
        address=to_checksum_address(_setting("GOVERNANCE_ADDRESS", DEFAULT_ADDRESS)),
        guardian=to_checksum_address(guardian) if guardian else None,
        token=to_checksum_address(token) if token else None,
        siwe_domains=tuple(d.strip() for d in domains.split(",") if d.strip()),
    )


def rpc_url() -> str:
    """The JSON-RPC URL of the governance chain (for the token, the guardian and EIP-1271)."""
    chain_id = governance_config().chain_id
    url = settings.ETH_RPC_URLS.get(chain_id)
    if not url:
        raise ExternalUnavailable(f"no RPC URL configured for chain {chain_id} (ETH_RPC_URLS)")
    return url
