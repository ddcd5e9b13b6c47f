"""Pages of the clearing app."""

from django.urls import path

from clearing import views

app_name = "clearing"

urlpatterns: list = [
    path("", views.market_list, name="market-list"),
    path("staff/", views.staff_settlement, name="staff"),
    path("<str:symbol>/", views.market_detail, name="market-detail"),
]
