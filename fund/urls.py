"""Pages of the fund app."""

from django.urls import path

from fund import views

app_name = "fund"

# Fixed paths (staff/…, me/, …) go above the dashboard's catch-all "<name>/" patterns.
urlpatterns: list = [
    path("", views.fund_list, name="fund-list"),
    path("<slug:name>/", views.fund_detail, name="fund-detail"),
    path("<slug:name>/range/", views.fund_range, name="fund-range"),
    path(
        "<slug:name>/statements/<str:month>/",
        views.fund_statement_page,
        name="fund-statement",
    ),
]
