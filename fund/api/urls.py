"""API v1 endpoints of the fund app."""

from django.urls import path

from fund.api import ledger_views, payouts
from fund.api import staking_views as staking

app_name = "fund-api"

urlpatterns: list = [
    path("funds/", ledger_views.FundListApi.as_view(), name="fund-list"),
    path("funds/<slug:name>/", ledger_views.FundDetailApi.as_view(), name="fund-detail"),
    path("funds/<slug:name>/days/", ledger_views.FundDaysApi.as_view(), name="fund-days"),
    path("funds/<slug:name>/entries/", ledger_views.FundEntriesApi.as_view(), name="fund-entries"),
    path(
        "funds/<slug:name>/entries.csv",
        ledger_views.FundEntriesCsvApi.as_view(),
        name="fund-entries-csv",
    ),
    path("funds/<slug:name>/totals/", ledger_views.FundTotalsApi.as_view(), name="fund-totals"),
    path(
        "funds/<slug:name>/statements/<str:month>/",
        ledger_views.FundStatementApi.as_view(),
        name="fund-statement",
    ),
    path(
        "funds/<slug:name>/statements/<str:month>.csv",
        ledger_views.FundStatementCsvApi.as_view(),
        name="fund-statement-csv",
    ),
    path("funds/<slug:name>/staking/", staking.StakingStatsApi.as_view(), name="staking-stats"),
    path("funds/<slug:name>/staking/stake/", staking.StakeCreateApi.as_view(), name="stake"),
    path("funds/<slug:name>/staking/unstake/", staking.UnstakeRequestApi.as_view(), name="unstake"),
    path(
        "funds/<slug:name>/staking/epochs/<int:number>/",
        staking.RewardDistributionApi.as_view(),
        name="reward-distribution",
    ),
    path(
        "funds/<slug:name>/staking/epochs/<int:number>/claims/<str:address>/",
        staking.RewardClaimApi.as_view(),
        name="reward-claim",
    ),
    path("staking/me/", staking.MyStakeApi.as_view(), name="staking-me"),
    path(
        "staking/unstakes/<int:pk>/withdraw/",
        staking.UnstakeWithdrawApi.as_view(),
        name="unstake-withdraw",
    ),
    path(
        "staking/unstakes/<int:pk>/cancel/",
        staking.UnstakeCancelApi.as_view(),
        name="unstake-cancel",
    ),
    path("payouts/", payouts.PayoutListApi.as_view(), name="payout-list"),
    path("payouts/create/", payouts.PayoutCreateApi.as_view(), name="payout-create"),
    path("payouts/<int:pk>/", payouts.PayoutDetailApi.as_view(), name="payout-detail"),
    path("payouts/<int:pk>/approve/", payouts.PayoutApproveApi.as_view(), name="payout-approve"),
    path("payouts/<int:pk>/reject/", payouts.PayoutRejectApi.as_view(), name="payout-reject"),
    path("payouts/<int:pk>/retry/", payouts.PayoutRetryApi.as_view(), name="payout-retry"),
    path("payouts/claims/", payouts.ClaimListApi.as_view(), name="claim-list"),
    path("payouts/claims/<int:pk>/review/", payouts.ClaimReviewApi.as_view(), name="claim-review"),
]
