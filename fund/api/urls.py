"""API v1 endpoints of the fund app."""

app_name = "fund-api"

urlpatterns: list = []
