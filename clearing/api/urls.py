"""API v1 endpoints of the clearing app."""

from django.urls import path

from clearing.api import views

app_name = "clearing-api"

urlpatterns: list = [
    path("ingest/fills/", views.FillsIngestApi.as_view(), name="fills-ingest"),
    path("ingest/marks/", views.MarksIngestApi.as_view(), name="marks-ingest"),
    path("ingest/closes/", views.ClosesIngestApi.as_view(), name="closes-ingest"),
    path("markets/", views.MarketListApi.as_view(), name="markets"),
    path("markets/<str:symbol>/adl/", views.AdlQueueApi.as_view(), name="adl-queue"),
    path("markets/<str:symbol>/adl/mine/", views.MyAdlQueueApi.as_view(), name="adl-mine"),
]
