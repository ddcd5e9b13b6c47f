"""API v1 endpoints of the custody app."""

app_name = "custody-api"

urlpatterns: list = []
