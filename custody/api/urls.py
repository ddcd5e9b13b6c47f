"""API v1 endpoints of the custody app."""

from django.urls import path

from custody.api import views

app_name = "custody-api"

urlpatterns = [
    path("epochs/", views.EpochListApi.as_view(), name="epochs"),
    path("epochs/<int:number>/bundle/", views.EpochBundleApi.as_view(), name="epoch-bundle"),
    path(
        "epochs/<int:number>/funds/<slug:fund>/stakers/<str:address>/proof/",
        views.StakerProofApi.as_view(),
        name="staker-proof",
    ),
    path("funds/<slug:fund>/payouts-paused/", views.PayoutsPausedApi.as_view(), name="paused"),
    path("wallets/", views.WalletTrackApi.as_view(), name="wallet-track"),
    path(
        "wallets/<int:wallet_id>/challenges/",
        views.ChallengeIssueApi.as_view(),
        name="challenge-issue",
    ),
    path(
        "challenges/<str:nonce>/verify/",
        views.ChallengeVerifyApi.as_view(),
        name="challenge-verify",
    ),
]
