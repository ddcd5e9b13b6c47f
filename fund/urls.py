"""Pages of the fund app."""

from django.urls import path

from fund import views, views_payouts, views_staking

app_name = "fund"

# Fixed paths (staff/…, me/, …) go above the dashboard's catch-all "<name>/" patterns.
urlpatterns: list = [
    path("", views.fund_list, name="fund-list"),
    path("claims/", views_payouts.claim_page, name="claims"),
    path("staff/payouts/", views_payouts.payout_queue, name="payout-queue"),
    *[
        path(
            f"staff/payouts/<int:pk>/{action}/",
            views_payouts.payout_action,
            {"action": action},
            name=f"payout-{action}",
        )
        for action in ("approve", "reject", "retry")
    ],
    path("staff/claims/<int:pk>/review/", views_payouts.claim_decide, name="claim-review"),
    path("me/", views_staking.staking_me, name="staking-me"),
    path("me/stake/", views_staking.stake_submit, name="staking-stake"),
    path("me/unstake/", views_staking.unstake_submit, name="staking-unstake"),
    path(
        "me/unstakes/<int:pk>/<str:action>/",
        views_staking.unstake_close_submit,
        name="staking-close",
    ),
    path("staking/<slug:name>/", views_staking.staking_public, name="staking-public"),
    path("<slug:name>/", views.fund_detail, name="fund-detail"),
    path("<slug:name>/range/", views.fund_range, name="fund-range"),
    path(
        "<slug:name>/statements/<str:month>/",
        views.fund_statement_page,
        name="fund-statement",
    ),
]
