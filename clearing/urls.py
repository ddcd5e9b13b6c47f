"""Pages of the clearing app."""

app_name = "clearing"

urlpatterns: list = []
