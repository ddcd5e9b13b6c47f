from datetime import timedelta
from decimal import Decimal

import pytest

from common.exceptions import Forbidden, Invalid
from common.models import AuditEntry
from governance.content import proposal_id_compute
from governance.models import Proposal, ProposalState
from governance.services.params import param_value_set
from governance.services.proposals import PROPOSALS_PER_DAY, proposal_create
from tests.governance.conftest import T0

pytestmark = pytest.mark.django_db


def create(wallet, changes, now=T0, title="t"):
    return proposal_create(
        proposer=wallet.address, title=title, description="d", changes=changes, now=now
    )


def test_proposal_freezes_settings_and_hashes_its_content(make_proposal):
    proposal = make_proposal()
    assert proposal.state == ProposalState.PENDING
    assert proposal.quorum == 1 and proposal.vote_threshold == Decimal("0.5")
    assert proposal.vote_end - proposal.vote_start == timedelta(days=3)
    assert proposal.changes == [{"name": "fee_take_rate", "scope": "global", "value": "0.0003"}]
    assert proposal.proposal_id == proposal_id_compute(
        changes=proposal.changes,
        description_hash=proposal.description_hash,
        snapshot=int(T0.timestamp()),
    )
    assert AuditEntry.objects.filter(action="backstop.governance.proposal.created").count() == 1


@pytest.mark.parametrize(
    "change, path, reason",
    [
        ({"name": "fee_take_rate", "value": "0.0009"}, "changes.0.value", "above the maximum"),
        ({"name": "fee_take_rate", "value": "-0.0001"}, "changes.0.value", "below the minimum"),
        ({"name": "vote_threshold", "value": "0.75"}, "changes.0.value", "largest step"),
        ({"name": "nope", "value": "1"}, "changes.0.name", "unknown parameter"),
        ({"name": "quorum", "scope": "fund:main", "value": "5"}, "changes.0.scope", "cannot"),
        ({"name": "fee_take_rate", "value": "0.0002"}, "changes.0.value", "already"),
        ({"name": "fee_take_rate", "value": 0.0003}, "changes.0.value", "not floats"),
    ],
)
def test_bad_changes_refused_and_nothing_recorded(wallets, change, path, reason):
    with pytest.raises(Invalid) as info:
        create(wallets[0], [change])
    assert reason in info.value.fields[path][0]
    assert not Proposal.objects.exists()


def test_step_is_measured_from_the_value_in_force_at_that_scope(wallets):
    param_value_set(
        name="fee_take_rate",
        scope="market:BTC-USDC",
        value="0.0004",
        source="seed",
        actor="t",
        effective_at=T0 - timedelta(days=1),
    )
    create(wallets[0], [{"name": "fee_take_rate", "scope": "market:BTC-USDC", "value": "0.0005"}])
    with pytest.raises(Invalid, match="largest step"):
        create(wallets[0], [{"name": "fee_take_rate", "scope": "market:BTC-USDC", "value": "0"}])


def test_duplicate_change_refused(wallets):
    change = {"name": "fee_take_rate", "value": "0.0003"}
    with pytest.raises(Invalid, match="changed twice"):
        create(wallets[0], [change, change])


def test_threshold_and_rate_limit(wallets):
    param_value_set(
        name="proposal_threshold",
        scope="global",
        value="10",
        source="seed",
        actor="t",
        effective_at=T0 - timedelta(days=1),
    )
    with pytest.raises(Forbidden, match="needs 10 voting power"):
        create(wallets[0], [{"name": "fee_take_rate", "value": "0.0003"}])
    param_value_set(
        name="proposal_threshold",
        scope="global",
        value="0",
        source="seed",
        actor="t",
        effective_at=T0,
    )
    for i in range(PROPOSALS_PER_DAY):
        create(
            wallets[0],
            [{"name": "fee_take_rate", "value": "0.0003"}],
            title=f"p{i}",
            now=T0 + timedelta(seconds=i),
        )
    with pytest.raises(Forbidden) as info:
        create(
            wallets[0], [{"name": "fee_take_rate", "value": "0.0003"}], now=T0 + timedelta(hours=1)
        )
    assert info.value.code == "rate_limited"
    create(
        wallets[0],
        [{"name": "fee_take_rate", "value": "0.0003"}],
        now=T0 + timedelta(days=1, seconds=5),
    )
