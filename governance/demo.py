"""Demo step of the foundation: a staff account with TOTP and a venue API key."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model

from common.demo import demo_step
from common.models import ApiKey
from common.services.apikeys import api_key_create
from common.services.staff import staff_create

DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"  # RFC 6238 test secret, demo only


@demo_step(10, "Staff account and venue API key")
def staff_and_keys(say) -> None:
    User = get_user_model()
    if not User.objects.filter(username="admin").exists():
        staff_create(
            username="admin",
            password="backstop-demo-admin",
            roles=["payout_reviewer", "custody_admin", "auditor"],
            actor="demo",
            totp_key=DEMO_TOTP_KEY,
        )
    say(
        "staff login: admin / backstop-demo-admin, TOTP secret (base32) "
        "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ (demo only)"
    )
    key_file = Path(settings.DEMO_DIR) / "demo-venue-api-key.txt"
    saved = key_file.read_text().strip() if key_file.exists() else ""
    if not ApiKey.objects.filter(prefix=saved.partition(".")[0], revoked_at=None).exists():
        # No file, or one left from another database: make a key this database knows.
        key_file.parent.mkdir(parents=True, exist_ok=True)
        _, text = api_key_create(name="demo venue", scopes=["ingest", "risk:read"], actor="demo")
        key_file.write_text(text + "\n")
    say(f"venue API key in {key_file}")


# --- governance ------------------------------------------------------------------------

# anvil's first three test accounts (well-known public keys): the fund demo's stakers, so a
# developer's browser wallet on anvil can sign in as one of them and vote.
DEMO_VOTER_KEYS = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
]
DEMO_PERIODS = {"voting_period": "3600", "timelock_delay": "3600", "late_quorum_extension": "600"}
DEMO_EXECUTED = "Demo: raise the fee take to 0.025%"
DEMO_OPEN = "Demo: a reserve floor of 100,000 USDC for the main fund"


def _demo_ballot(key: str, proposal, support: int, *, now) -> None:
    from eth_account import Account
    from eth_account.messages import encode_typed_data

    from governance.eip712 import typed_data
    from governance.selectors.proposals import member_nonce
    from governance.services.ballots import ballot_cast, domain_current

    account = Account.from_key(key)
    nonce = member_nonce(account.address)
    message = {
        "proposalId": proposal.proposal_id,
        "support": support,
        "reason": "demo",
        "nonce": nonce,
    }
    payload = typed_data(domain_current(), "Ballot", message)
    signature = account.sign_message(encode_typed_data(full_message=payload)).signature
    ballot_cast(
        proposal_id=proposal.proposal_id,
        voter=account.address,
        support=support,
        reason="demo",
        nonce=nonce,
        chain_id=domain_current().chain_id,
        signature="0x" + signature.hex(),
        now=now,
    )


@demo_step(40, "Governance: an executed proposal voted by the demo stakers, and an open one")
def governance_demo(say) -> None:
    """Demo periods are short (1 h vote, 1 h timelock) so the executed proposal fits in the
    past: it is proposed ten minutes after the demo stakers staked, at the start of today."""
    from datetime import UTC, datetime, time, timedelta

    from eth_account import Account

    from governance.models import Member, Proposal
    from governance.services.lifecycle import proposals_tick
    from governance.services.params import param_value_set
    from governance.services.proposals import proposal_create

    now = datetime.now(UTC)
    start = datetime.combine(now.date(), time.min, tzinfo=UTC) + timedelta(minutes=10)
    voters = [Account.from_key(key).address for key in DEMO_VOTER_KEYS]
    if not Proposal.objects.filter(title=DEMO_EXECUTED).exists() and now > start:
        for name, value in DEMO_PERIODS.items():
            param_value_set(
                name=name,
                scope="global",
                value=value,
                source="seed",
                actor="demo",
                effective_at=start - timedelta(minutes=5),
            )
        for address in voters:
            Member.objects.get_or_create(address=address, defaults={"first_seen_at": start})
        proposal = proposal_create(
            proposer=voters[0],
            title=DEMO_EXECUTED,
            now=start,
            description="Fee take funds the backstop. **0.025%** of notional keeps it growing "
            "in quiet markets (seed 000: 0.01%–0.05%).",
            changes=[{"name": "fee_take_rate", "scope": "global", "value": "0.00025"}],
        )
        for key, support in zip(DEMO_VOTER_KEYS, (1, 1, 0), strict=True):
            _demo_ballot(key, proposal, support, now=start + timedelta(minutes=5))
    if not Proposal.objects.filter(title=DEMO_OPEN).exists():
        proposal = proposal_create(
            proposer=voters[1],
            title=DEMO_OPEN,
            now=now,
            description="Keep 100,000 USDC that automatic payouts never touch.",
            changes=[{"name": "reserve_floor", "scope": "fund:main", "value": "100000000000"}],
        )
        _demo_ballot(DEMO_VOTER_KEYS[1], proposal, 1, now=now)
    summary = proposals_tick(now=now)
    say(
        f"proposals advanced: {summary['advanced']}, executed: {summary['executed']} "
        "(/governance/; demo voting period 1 h, timelock 1 h)"
    )
    say("sign in with an anvil test account's key in your wallet to vote on the open proposal")
