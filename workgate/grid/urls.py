"""Pages of grid; each view module lists its own paths."""

app_name = "grid"

urlpatterns: list = []
