"""API v1 endpoints of the governance app."""

app_name = "governance-api"

urlpatterns: list = []
