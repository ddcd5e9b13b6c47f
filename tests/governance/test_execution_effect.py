"""An executed proposal changes what clearing books, from its execution time on (event time)."""

from datetime import timedelta
from decimal import Decimal

import pytest

from clearing.services.fills import FillInput, fills_ingest
from clearing.services.replay import replay_run
from fund.models import Fund
from fund.selectors.ledger import fund_balance
from governance.services.ballots import ballot_cast
from governance.services.lifecycle import proposals_tick
from tests.governance.conftest import at

pytestmark = pytest.mark.django_db

SETUP = [
    '{"type":"asset","symbol":"USDC","decimals":6}',
    '{"type":"fund","name":"main","asset":"USDC","balance":"1000000000"}',
    '{"type":"market","symbol":"BTC-USDC","kind":"linear","fund":"main","lot":"0.001",'
    '"tick":"0.1","mmr":"0.005"}',
    '{"type":"deposit","account":"alice","asset":"USDC","amount":"50000000000"}',
]


def fill(fill_id, ts):
    # 0.5 BTC at 60,000: notional 30,000 USDC; fee 15 USDC.
    return FillInput(
        id=fill_id,
        account="alice",
        market="BTC-USDC",
        side="buy",
        qty=Decimal("0.5"),
        price=Decimal("60000"),
        fee=15_000_000,
        margin=3_000_000_000,
        ts=ts,
    )


def fee_take_of(fill_input):
    fund = Fund.objects.get(name="main")
    before = fund_balance(fund)
    fills_ingest(fills=[fill_input])
    return fund_balance(fund) - before


def test_fills_before_execution_use_the_old_rate_after_it_the_new(wallets, make_proposal):
    replay_run(lines=SETUP)
    proposal = make_proposal(power={wallets[0]: 1}, value="0.0004")
    ballot_cast(now=at(proposal, hours=1), **wallets[0].ballot(proposal, 1))
    executed_at = proposal.vote_end + timedelta(days=2, minutes=5)
    assert proposals_tick(now=executed_at)["executed"] == 1

    assert fee_take_of(fill("f1", executed_at - timedelta(hours=1))) == 6_000_000  # 0.0002
    assert fee_take_of(fill("f2", executed_at + timedelta(seconds=1))) == 12_000_000  # 0.0004
    # Event time decides, not arrival: a late fill from before execution keeps the old rate.
    assert fee_take_of(fill("f3", executed_at - timedelta(seconds=1))) == 6_000_000
