"""Governance fixtures: test wallets that sign like a browser wallet, proposals and power."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data

from governance.conf import governance_config
from governance.eip712 import Domain, typed_data
from governance.models import PowerSnapshot, Proposal
from governance.services.proposals import proposal_create

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class Wallet:
    """A private key that signs what a browser wallet would (personal_sign, signTypedData_v4)."""

    def __init__(self, index: int):
        self.account = Account.from_key((0xB0C0 + index).to_bytes(32, "big"))
        self.address = self.account.address

    def sign_text(self, text: str) -> str:
        return "0x" + self.account.sign_message(encode_defunct(text=text)).signature.hex()

    def sign_typed(self, payload: dict) -> str:
        return (
            "0x"
            + self.account.sign_message(encode_typed_data(full_message=payload)).signature.hex()
        )

    def ballot(
        self,
        proposal: Proposal,
        support: int,
        *,
        nonce: int = 0,
        reason: str = "",
        chain_id: int | None = None,
    ) -> dict:
        config = governance_config()
        domain = Domain(chain_id or config.chain_id, config.address)
        message = {
            "proposalId": proposal.proposal_id,
            "support": support,
            "reason": reason,
            "nonce": nonce,
        }
        return {
            "proposal_id": proposal.proposal_id,
            "voter": self.address,
            "support": support,
            "reason": reason,
            "nonce": nonce,
            "chain_id": domain.chain_id,
            "signature": self.sign_typed(typed_data(domain, "Ballot", message)),
        }


@pytest.fixture
def wallets():
    return [Wallet(i) for i in range(6)]


@pytest.fixture
def make_proposal(db, wallets):
    """A fee_take_rate proposal by wallet 0, and power rows for the given holders."""

    def make(
        *,
        power: dict | None = None,
        value: str = "0.0003",
        now: datetime = T0,
        proposer=None,
        scope: str = "global",
        name: str = "fee_take_rate",
    ) -> Proposal:
        proposal = proposal_create(
            proposer=(proposer or wallets[0]).address,
            title=f"Set {name} to {value}",
            description="Raise the **fee take**.",
            changes=[{"name": name, "scope": scope, "value": value}],
            now=now,
        )
        power_grant(proposal, power or {})
        return proposal

    return make


def power_grant(proposal: Proposal, power: dict) -> None:
    """Stand-in for staked shares at the snapshot until the fund app's staking exists."""
    PowerSnapshot.objects.bulk_create(
        PowerSnapshot(proposal=proposal, address=w.address, staked=p, power=p, delegate=w.address)
        for w, p in power.items()
    )


def at(proposal: Proposal, **delta) -> datetime:
    """A moment relative to the start of voting."""
    return proposal.vote_start + timedelta(**delta)
