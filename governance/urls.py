"""Pages of the governance app."""

from django.urls import path

from governance import views

app_name = "governance"

urlpatterns = [
    path("", views.proposals, name="proposals"),
    path("params/", views.params, name="params"),
    path("signin/", views.signin, name="signin"),
    path("signout/", views.signout, name="signout"),
    path("new/", views.proposal_new, name="proposal-new"),
    path("delegate/", views.delegate, name="delegate"),
    path("p/<str:proposal_id>/", views.proposal_detail, name="proposal"),
    path("p/<str:proposal_id>/tally/", views.proposal_tally, name="proposal-tally"),
    path("p/<str:proposal_id>/cancel/", views.proposal_cancel, name="proposal-cancel"),
]
