"""Property: any change to a signed ballot (field or signature bit) is refused, nothing kept."""

import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from common.exceptions import Invalid
from governance.models import Ballot, Member
from governance.services.ballots import ballot_cast
from tests.governance.conftest import at

pytestmark = pytest.mark.django_db

FIELDS = st.sampled_from(["support", "reason", "nonce", "signature"])


@settings(max_examples=40)
@given(
    field=FIELDS, reason=st.text(max_size=40), bit=st.integers(0, 519), support=st.integers(0, 2)
)
def test_tampered_ballots_are_refused(wallets, make_proposal, field, reason, bit, support):
    with transaction.atomic():
        sid = transaction.savepoint()
        proposal = make_proposal(power={wallets[0]: 3})
        ballot = wallets[0].ballot(proposal, support, reason=reason)
        if field == "support":
            ballot["support"] = (support + 1) % 3
        elif field == "reason":
            ballot["reason"] = reason + "!"
        elif field == "nonce":
            ballot["nonce"] = 1
        else:
            raw = bytearray.fromhex(ballot["signature"][2:])
            raw[bit // 8] ^= 1 << (bit % 8)
            ballot["signature"] = "0x" + raw.hex()
        with pytest.raises(Invalid):
            ballot_cast(now=at(proposal, hours=1), **ballot)
        assert not Ballot.objects.exists()
        assert not Member.objects.filter(nonce__gt=0).exists()
        transaction.savepoint_rollback(sid)
