"""Pages of the fund app."""

app_name = "fund"

urlpatterns: list = []
