"""Pages of the governance app."""

app_name = "governance"

urlpatterns: list = []
