"""API v1 endpoints of the governance app."""

from django.urls import path

from governance.api import views

app_name = "governance-api"

PID = "proposals/<str:proposal_id>/"

urlpatterns = [
    path("signin/message/", views.SigninMessageApi.as_view(), name="signin-message"),
    path("signin/verify/", views.SigninVerifyApi.as_view(), name="signin-verify"),
    path("session/", views.SessionApi.as_view(), name="session"),
    path("proposals/", views.ProposalListApi.as_view(), name="proposals"),
    path(PID, views.ProposalDetailApi.as_view(), name="proposal"),
    path(PID + "changes/", views.ProposalChangesApi.as_view(), name="proposal-changes"),
    path(PID + "tally/", views.ProposalTallyApi.as_view(), name="proposal-tally"),
    path(PID + "ballots/", views.BallotListApi.as_view(), name="ballots"),
    path(PID + "ballot-typed-data/", views.BallotTypedDataApi.as_view(), name="ballot-typed"),
    path(PID + "cancel/", views.ProposalCancelApi.as_view(), name="proposal-cancel"),
    path(PID + "cancel-typed-data/", views.CancelTypedDataApi.as_view(), name="cancel-typed"),
    path(PID + "export/", views.ProposalExportApi.as_view(), name="proposal-export"),
    path("delegations/", views.DelegationCreateApi.as_view(), name="delegations"),
    path(
        "delegations/typed-data/",
        views.DelegationTypedDataApi.as_view(),
        name="delegation-typed",
    ),
    path("params/", views.ParamListApi.as_view(), name="params"),
]
