"""Real names and ids of the seeded world, so generated requests reach past the 404.

Random path parameters almost never name a fund or a payout; the fuzzer mixes these in
(read from the database at generation time: ids move on because sequences never roll back).
"""

from __future__ import annotations

from django.utils import timezone

from tests.api.conftest import MEMBER


def known_path_values() -> dict[str, list]:
    from clearing.models import Market
    from custody.models import ControlChallenge, ReserveEpoch, TrackedWallet
    from fund.models import Claim, Fund, Payout, RewardEpoch, UnstakeRequest
    from governance.models import Proposal

    funds = list(Fund.objects.values_list("name", flat=True))
    ids = [
        *Payout.objects.values_list("pk", flat=True),
        *Claim.objects.values_list("pk", flat=True),
        *UnstakeRequest.objects.values_list("pk", flat=True),
    ]
    return {
        "name": funds,
        "fund": funds,
        "symbol": list(Market.objects.values_list("symbol", flat=True)),
        "number": [
            *ReserveEpoch.objects.values_list("number", flat=True),
            *RewardEpoch.objects.values_list("number", flat=True),
        ],
        "address": [MEMBER, MEMBER.lower()],
        "month": [timezone.now().strftime("%Y-%m")],
        "id": ids,
        "proposal_id": list(Proposal.objects.values_list("proposal_id", flat=True)),
        "wallet_id": list(TrackedWallet.objects.values_list("pk", flat=True)),
        "nonce": list(ControlChallenge.objects.values_list("nonce", flat=True)),
    }
