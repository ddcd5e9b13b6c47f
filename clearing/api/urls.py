"""API v1 endpoints of the clearing app."""

app_name = "clearing-api"

urlpatterns: list = []
