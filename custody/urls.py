"""Pages of the custody app."""

app_name = "custody"

urlpatterns: list = []
